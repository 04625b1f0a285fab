-- Products: a small read-only catalogue seeded here.
CREATE TABLE products (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    price_cents integer     NOT NULL CHECK (price_cents >= 0),
    currency    char(3)     NOT NULL DEFAULT 'USD',
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO products (sku, name, description, price_cents) VALUES
    ('SKU-0001', 'Coffee Mug',       '350 ml ceramic mug',                 1299),
    ('SKU-0002', 'Notebook',         'A5 dotted notebook, 120 pages',       899),
    ('SKU-0003', 'Mechanical Pencil','0.5 mm, aluminium body',             1450),
    ('SKU-0004', 'Desk Lamp',        'LED lamp with adjustable arm',       4999),
    ('SKU-0005', 'Water Bottle',     '750 ml insulated stainless steel',   2499);
