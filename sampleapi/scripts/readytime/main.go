// Command readytime measures how long the sample API takes from process start
// to the first 200 response on /readyz. Used by scripts/bench.sh.
//
//	readytime -bin /tmp/sampleapi -url http://127.0.0.1:18080/readyz -n 5 [-admin URL -db NAME -fresh]
//
// The service's environment is inherited. With -fresh the database NAME is
// dropped and recreated (through the -admin connection) and migrated with
// `-bin migrate` (untimed; DB_RUNTIME_USERNAME defaults to sampleapi_bench_rt)
// before every run, so each start meets a freshly created schema.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	bin := flag.String("bin", "", "service binary")
	url := flag.String("url", "http://127.0.0.1:8080/readyz", "readiness URL")
	n := flag.Int("n", 5, "number of runs")
	admin := flag.String("admin", "", "admin database URL (with -fresh)")
	db := flag.String("db", "", "database to recreate (with -fresh)")
	fresh := flag.Bool("fresh", false, "recreate the database before each run")
	flag.Parse()
	if *bin == "" || (*fresh && (*admin == "" || *db == "")) {
		flag.Usage()
		os.Exit(2)
	}

	var times []time.Duration
	for i := range *n {
		if *fresh {
			if err := recreate(*admin, *db); err != nil {
				fmt.Fprintln(os.Stderr, "readytime:", err)
				os.Exit(1)
			}
			if err := migrate(*bin); err != nil {
				fmt.Fprintln(os.Stderr, "readytime:", err)
				os.Exit(1)
			}
		}
		d, err := measure(*bin, *url)
		if err != nil {
			fmt.Fprintln(os.Stderr, "readytime:", err)
			os.Exit(1)
		}
		fmt.Printf("run %d: %.1f ms\n", i+1, float64(d.Microseconds())/1000)
		times = append(times, d)
	}
	slices.Sort(times)
	fmt.Printf("median: %.1f ms (min %.1f, max %.1f, n=%d)\n",
		ms(times[len(times)/2]), ms(times[0]), ms(times[len(times)-1]), len(times))
}

func migrate(bin string) error {
	cmd := exec.Command(bin, "migrate")
	cmd.Env = os.Environ()
	if os.Getenv("DB_RUNTIME_USERNAME") == "" {
		cmd.Env = append(cmd.Env, "DB_RUNTIME_USERNAME=sampleapi_bench_rt")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s migrate: %w\n%s", bin, err, out)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func measure(bin, url string) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	cmd := exec.Command(bin)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	deadline := start.Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-exited:
			return 0, fmt.Errorf("service exited before becoming ready")
		case <-time.After(time.Millisecond):
		}
	}
	return 0, fmt.Errorf("service not ready within 30s")
}

func recreate(adminURL, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect admin database: %w", err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}
