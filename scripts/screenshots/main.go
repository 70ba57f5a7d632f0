// Command screenshots takes the screenshots of docs/screenshots: it runs
// the demo on a fresh data folder, creates the administrator through the
// first-run link, lets the simulator's history come in, starts a crisis,
// and photographs the dashboard (desktop and phone), the stream, the
// monitor editor, the crisis's incident and the alerts in headless
// Chromium.
//
//	go run ./scripts/screenshots [-out docs/screenshots] [-chromium /usr/bin/chromium]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium executable")
	addr := flag.String("addr", "127.0.0.1:18099", "address for the demo")
	flag.Parse()
	data, err := os.MkdirTemp("", "vigie-shots")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(data)

	// The demo, as a newcomer runs it (built first, so that stopping it
	// stops Vigie itself, not only the go command).
	bin := filepath.Join(data, "vigie")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/vigie").CombinedOutput(); err != nil {
		log.Fatalf("building vigie: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "demo", "--data", data, "--addr", *addr)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	setup := regexp.MustCompile(`http://\S+/setup\?token=\S+`)
	link := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := setup.FindString(sc.Text()); m != "" {
			link = m
			break
		}
	}
	if link == "" {
		log.Fatal("the demo printed no set-up link")
	}
	go io.Copy(io.Discard, stdout)
	base := "http://" + *addr

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(*chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	must := func(what string, err error) {
		if err != nil {
			log.Fatalf("%s: %v", what, err)
		}
	}
	must("set up the administrator", chromedp.Do(ctx,
		chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("name"), "Camille Laurent"),
		chromedp.SendKeys(chromedp.ID("email"), "camille@uval.example"),
		chromedp.SendKeys(chromedp.ID("password"), "trois petits chats"),
		chromedp.SendKeys(chromedp.ID("password2"), "trois petits chats"),
		chromedp.Submit(chromedp.ID("password2")),
		chromedp.WaitVisible(chromedp.CSS(".kpis")),
	))
	// A crisis makes the picture: start one and let it run a minute.
	must("start a crisis", chromedp.Do(ctx,
		chromedp.Navigate(base+"/w/demo/sources"), chromedp.WaitVisible(chromedp.CSS(".demo button")),
		chromedp.Click(chromedp.CSS(".demo button")), chromedp.WaitVisible(chromedp.CSS("ol.mentions")),
	))
	time.Sleep(60 * time.Second) // a screenshot script, not a test: the simulator publishes in real time
	shots := []struct {
		name, path string
		w, h       int64
	}{
		{"dashboard-desktop.png", "/w/demo/", 1280, 900},
		{"dashboard-phone.png", "/w/demo/", 360, 780},
		{"stream-desktop.png", "/w/demo/mentions", 1280, 900},
		{"stream-phone.png", "/w/demo/mentions", 360, 780},
		{"monitor-editor.png", "/w/demo/monitors/new", 1280, 900},
		// The crisis rang the bell and opened the demo's first incident.
		{"incident-desktop.png", "/w/demo/incidents/1", 1280, 900},
		{"alerts-desktop.png", "/w/demo/alerts", 1280, 900},
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, s := range shots {
		must(s.name, chromedp.Do(ctx, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(base+s.path), chromedp.WaitVisible(chromedp.CSS("main"))))
		if s.name == "monitor-editor.png" {
			must("type a query", chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("m-name"), "Rankings"),
				chromedp.SendKeys(chromedp.ID("m-query"), `(classement OR ranking OR Rangliste) NEAR/5 (Valmont OR "UVAL"`),
				chromedp.WaitVisible(chromedp.CSS(".query-status .error")),
			))
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(s.name, err)
		must(s.name, os.WriteFile(filepath.Join(*out, s.name), png, 0o644))
		fmt.Println("wrote", filepath.Join(*out, s.name))
	}
}
