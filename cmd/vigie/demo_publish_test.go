package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/simulator"
)

// TestDemoPublishesAndFillsTheInbox: the demo workspace has the
// university's account on the demo network; its inbox gets the public's
// questions (the first 20 s after start), and an answer from it and a new
// post are published.
func TestDemoPublishesAndFillsTheInbox(t *testing.T) {
	in, srv, tok := testInstance(t, true)
	ctx := context.Background()
	demo := in.inbox.Clients[simulator.DemoNetwork].(demoClient)
	demo.Now = func() time.Time { return demo.Start.Add(time.Minute) } // the first question has come
	api := &client{t: t, base: srv.URL, token: tok}
	code, accounts := api.do("GET", "/api/v1/accounts", nil)
	list, _ := accounts["accounts"].([]any)
	if code != http.StatusOK || len(list) != 1 {
		t.Fatalf("the demo's accounts: %d %v", code, accounts)
	}
	account := list[0].(map[string]any)
	if account["handle"] != simulator.DemoHandle {
		t.Errorf("account %v", account)
	}
	if n, err := in.inbox.PollDue(ctx); err != nil || n != 1 {
		t.Fatalf("polled %d: %v", n, err)
	}
	code, inbox := api.do("GET", "/api/v1/inbox", nil)
	items, _ := inbox["items"].([]any)
	if code != http.StatusOK || len(items) != 1 {
		t.Fatalf("the demo's inbox: %d %v", code, inbox)
	}
	item := items[0].(map[string]any)
	code, reply := api.do("POST", fmt.Sprintf("/api/v1/inbox/%v/reply", item["id"]), map[string]any{"text": "Jusqu'au 31 janvier, sur le portail des admissions."})
	if code != http.StatusCreated || reply["status"] != "scheduled" {
		t.Fatalf("reply: %d %v", code, reply)
	}
	code, post := api.do("POST", "/api/v1/posts", map[string]any{"accounts": []any{account["id"]}, "text": "Journée portes ouvertes samedi ! #Valmont"})
	if code != http.StatusCreated || post["status"] != "scheduled" {
		t.Fatalf("post: %d %v", code, post)
	}
	if n, err := in.publisher.PublishDue(ctx); err != nil || n != 2 {
		t.Fatalf("published %d: %v", n, err)
	}
	for _, id := range []any{reply["id"], post["id"]} {
		if code, p := api.do("GET", fmt.Sprintf("/api/v1/posts/%v", id), nil); code != http.StatusOK || p["status"] != "published" {
			t.Errorf("post %v: %d %v", id, code, p["status"])
		}
	}
}

// A settings change names the fields it changes; the others keep their
// values (the attacker and new-user trials lost the response target).
func TestPublishSettingsPartialChange(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	api := &client{t: t, base: srv.URL, token: tok}
	if code, s := api.do("PUT", "/api/v1/publishing/settings", map[string]any{"sla_minutes": 60, "approver_role": "editor"}); code != http.StatusOK || s["sla_minutes"] != float64(60) {
		t.Fatalf("set: %d %v", code, s)
	}
	code, s := api.do("PUT", "/api/v1/publishing/settings", map[string]any{"approval": "two"})
	if code != http.StatusOK || s["approval"] != "two" || s["sla_minutes"] != float64(60) || s["approver_role"] != "editor" {
		t.Fatalf("partial change: %d %v", code, s)
	}
	if code, s := api.do("PUT", "/api/v1/publishing/settings", map[string]any{"approval": "three"}); code != http.StatusBadRequest {
		t.Errorf("a bad approval: %d %v", code, s)
	}
}
