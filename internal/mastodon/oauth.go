package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/vigie-project/vigie/internal/connector"
)

// Connecting an account: Vigie registers itself as an app on the instance
// (POST /api/v1/apps, methods/apps.md), sends the user to the instance's
// authorisation page (GET /oauth/authorize, authorization code with PKCE,
// S256 only: methods/oauth.md), and exchanges the code it gets back for
// the account's token (POST /oauth/token).

// Scopes Vigie asks for: reading the notifications, posting.
var Scopes = []string{"read", "write"}

// application is the part of the Application entity read
// (entities/Application.md; client_secret only in the answer to
// POST /api/v1/apps).
type application struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// RegisterApp registers Vigie on the instance as an app that may send
// users back to redirectURI, with Scopes, and returns its credentials,
// which the caller keeps (vigie.AccountSecrets.ClientID, ClientSecret)
// for every account of that instance.
func (p *Publisher) RegisterApp(ctx context.Context, instance, redirectURI, appName, website string) (clientID, clientSecret string, err error) {
	base, err := instanceURL(instance)
	if err != nil {
		return "", "", err
	}
	t := &target{base: base, host: base.Hostname()}
	form := url.Values{
		"client_name":   {appName},
		"redirect_uris": {redirectURI},
		"scopes":        {strings.Join(Scopes, " ")},
	}
	if website != "" {
		form.Set("website", website)
	}
	var app application
	if _, _, err := p.call(ctx, t, http.MethodPost, "/api/v1/apps", nil, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", nil, &app); err != nil {
		return "", "", refused(err, "app registration")
	}
	if app.ClientID == "" || app.ClientSecret == "" {
		return "", "", fmt.Errorf("%s: the app registration's answer has no client id or secret", t.host)
	}
	return app.ClientID, app.ClientSecret, nil
}

func oauthConfig(base *url.URL, clientID, clientSecret, redirectURI string) *oauth2.Config {
	b := strings.TrimRight(base.String(), "/")
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURI,
		Scopes:       Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   b + "/oauth/authorize",
			TokenURL:  b + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// AuthCodeURL is the instance's page where the user allows Vigie to use
// the account: authorization code with PKCE, the challenge being the
// S256 of verifier (oauth2.GenerateVerifier makes one; keep it with state
// until the user comes back). "" when the instance's address is not one.
func AuthCodeURL(instance, clientID, redirectURI, state, verifier string) string {
	base, err := instanceURL(instance)
	if err != nil {
		return ""
	}
	return oauthConfig(base, clientID, "", redirectURI).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the code the user came back with for the account's
// access token (POST /oauth/token, grant authorization_code, with the
// PKCE verifier). A code or verifier the instance refuses is a
// *connector.AuthError (the user must start again); an instance that
// fails is a transient error.
func (p *Publisher) Exchange(ctx context.Context, instance, clientID, clientSecret, redirectURI, code, verifier string) (accessToken string, err error) {
	base, err := instanceURL(instance)
	if err != nil {
		return "", err
	}
	host := base.Hostname()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client())
	tok, err := oauthConfig(base, clientID, clientSecret, redirectURI).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", p.tokenError(host, err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("%s: the token answer has no access token", host)
	}
	return tok.AccessToken, nil
}

// tokenError words a failed token request as the connector's errors.
func (p *Publisher) tokenError(host string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return connector.Plain(host, ue.Err)
		}
		return connector.Plain(host, err)
	}
	detail := re.ErrorDescription
	if detail == "" {
		detail = re.ErrorCode
	}
	status := re.Response.StatusCode
	switch {
	case status == http.StatusTooManyRequests:
		until := connector.RetryAt(re.Response.Header, p.now())
		if until.IsZero() {
			until = p.now().Add(time.Minute)
		}
		return &connector.RateLimitError{Network: host, Until: until, Detail: detail}
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout:
		return &connector.AuthError{Network: host, Status: status, Detail: detail, Code: re.ErrorCode}
	}
	return &connector.StatusError{Network: host, Status: status, Detail: detail, Code: re.ErrorCode}
}
