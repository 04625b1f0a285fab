package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/example/fargate-api/sampleapi/internal/store"
)

// Field limits, kept in line with the CHECK constraints of the users table.
const (
	maxNameLen  = 200
	maxEmailLen = 254
)

// decodeJSON decodes exactly one JSON object from the body into dst. On
// failure it returns the HTTP status and a message for the client.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) (int, string) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return http.StatusUnsupportedMediaType, "Content-Type must be application/json"
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return decodeError(err)
		}
		return http.StatusBadRequest, "request body must contain a single JSON object"
	}
	return 0, ""
}

func decodeError(err error) (int, string) {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body must not be larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, "request body must not be empty"
	case errors.As(err, &syntaxErr):
		return http.StatusBadRequest, fmt.Sprintf("request body contains malformed JSON at offset %d", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "request body contains malformed JSON"
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return http.StatusBadRequest, fmt.Sprintf("field %q must be a %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()))
		}
		return http.StatusBadRequest, "request body must be a JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this case.
		return http.StatusBadRequest, "request body contains unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return http.StatusBadRequest, "request body is not valid JSON"
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string", "ptr":
		return "string"
	case "int", "int32", "int64", "float64":
		return "number"
	default:
		return kind
	}
}

func validateNewUser(req createUserRequest) (store.NewUser, string) {
	var problems []string
	var nu store.NewUser

	switch {
	case req.Name == nil:
		problems = append(problems, "name is required")
	default:
		nu.Name = strings.TrimSpace(*req.Name)
		switch {
		case nu.Name == "":
			problems = append(problems, "name must not be empty")
		case !utf8.ValidString(nu.Name):
			problems = append(problems, "name must be valid UTF-8")
		case utf8.RuneCountInString(nu.Name) > maxNameLen:
			problems = append(problems, fmt.Sprintf("name must be at most %d characters", maxNameLen))
		case strings.ContainsFunc(nu.Name, unicode.IsControl):
			problems = append(problems, "name must not contain control characters")
		}
	}

	switch {
	case req.Email == nil:
		problems = append(problems, "email is required")
	default:
		nu.Email = strings.TrimSpace(*req.Email)
		if msg := validateEmail(nu.Email); msg != "" {
			problems = append(problems, msg)
		}
	}
	return nu, strings.Join(problems, "; ")
}

// validateEmail accepts a bare addr-spec ("user@example.com") with a dotted
// domain; display names ("Bob <bob@example.com>") are rejected.
func validateEmail(email string) string {
	if email == "" {
		return "email must not be empty"
	}
	if len(email) > maxEmailLen {
		return fmt.Sprintf("email must be at most %d characters", maxEmailLen)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "email must be a valid address such as name@example.com"
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.HasPrefix(domain, "[") {
		return "email must be a valid address such as name@example.com"
	}
	return ""
}

// pathID parses the {id} path value, answering 400 itself when it is not a
// positive integer.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive integer")
		return 0, false
	}
	return id, true
}

// parsePage reads the optional limit and after_id query parameters.
func parsePage(r *http.Request) (store.Page, string) {
	q := r.URL.Query()
	p := store.Page{Limit: DefaultPageLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageLimit {
			return p, fmt.Sprintf("limit must be an integer between 1 and %d", MaxPageLimit)
		}
		p.Limit = n
	}
	if v := q.Get("after_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return p, "after_id must be a non-negative integer"
		}
		p.AfterID = n
	}
	return p, ""
}
