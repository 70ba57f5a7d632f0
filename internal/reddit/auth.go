package reddit

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/connector"
)

// Reddit's app-only OAuth (client_credentials): POST
// {auth}/api/v1/access_token with the app's id and secret as HTTP basic
// auth and grant_type=client_credentials; the answer is {"access_token":
// "…", "token_type": "bearer", "expires_in": 86400, "scope": "*"}, or
// {"error": "…"} (with 200 or 401). The token goes in "Authorization:
// bearer <token>" to oauth.reddit.com. [reddit/reddit wiki OAuth2,
// "Application Only OAuth"]
//
// Tokens live in the runner's memory only, until a minute before they
// expire or the API refuses one: never saved, never logged.

type token struct {
	value   string
	expires time.Time
}

// tokenKey identifies an app's token without holding its secret.
func tokenKey(cfg *config) string {
	sum := sha256.Sum256([]byte(cfg.auth + "\x00" + cfg.clientID + "\x00" + cfg.secret))
	return string(sum[:])
}

// token returns a valid token for the source's app, asking for one if
// needed.
func (r *Runner) token(ctx context.Context, cfg *config) (string, error) {
	key := tokenKey(cfg)
	now := r.now()
	r.mu.Lock()
	t, ok := r.tokens[key]
	r.mu.Unlock()
	if ok && now.Before(t.expires) {
		return t.value, nil
	}
	t, err := r.newToken(ctx, cfg, now)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	if r.tokens == nil {
		r.tokens = map[string]token{}
	}
	r.tokens[key] = t
	r.mu.Unlock()
	return t.value, nil
}

// forget drops the app's token (the API refused it).
func (r *Runner) forget(cfg *config) {
	r.mu.Lock()
	delete(r.tokens, tokenKey(cfg))
	r.mu.Unlock()
}

func (r *Runner) newToken(ctx context.Context, cfg *config, now time.Time) (token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.auth+"/api/v1/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, fmt.Errorf("Reddit: the token address: %w", err)
	}
	req.SetBasicAuth(cfg.clientID, cfg.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cfg.ua)
	resp, err := r.client.Do(req)
	if err != nil {
		return token{}, transportError(ctx, "asking for a token", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return token{}, transportError(ctx, "reading the token", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   number `json:"expires_in"`
		Error       any    `json:"error"`
		Message     string `json:"message"`
	}
	jsonErr := json.Unmarshal(body, &tok)
	detail := ""
	if tok.Error != nil {
		detail = clip(fmt.Sprint(tok.Error))
		if tok.Message != "" {
			detail = clip(tok.Message) + " (" + detail + ")"
		}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		if detail == "" {
			detail = "the client_id or client_secret was refused"
		}
		return token{}, &connector.AuthError{Network: "Reddit", Status: resp.StatusCode, Detail: detail}
	case resp.StatusCode == http.StatusTooManyRequests:
		return token{}, rateLimited(resp.Header, now, "too many token requests")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return token{}, fmt.Errorf("Reddit answered HTTP %d to the token request", resp.StatusCode)
	case jsonErr != nil:
		return token{}, fmt.Errorf("Reddit: the token answer is not the JSON expected (%v)", jsonErr)
	case tok.AccessToken == "":
		if detail == "" {
			detail = "no token in the answer"
		}
		// Reddit answers some refusals with 200 and an error.
		return token{}, &connector.AuthError{Network: "Reddit", Detail: detail}
	case tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "bearer"):
		return token{}, fmt.Errorf("Reddit gave a token of type %q, not bearer; the API may have changed", clip(tok.TokenType))
	}
	life := time.Duration(float64(tok.ExpiresIn)) * time.Second
	if life <= 0 || life > 30*24*time.Hour {
		life = time.Hour
	}
	// Renewed a minute early, so that a token does not expire between
	// the check and the request.
	margin := min(time.Minute, life/10)
	return token{value: tok.AccessToken, expires: now.Add(life - margin)}, nil
}

// transportError is a failed request in plain words, without its address.
func transportError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("Reddit: %s: %w", doing, err)
}
