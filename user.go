package vigie

import "time"

// User is a person who uses the web app.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"` // lower-cased
	Name      string    `json:"name"`
	Locale    string    `json:"locale,omitempty"` // en, fr; empty: from the browser
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Membership is a user's role in a workspace (admin, editor or viewer).
type Membership struct {
	WorkspaceID int64  `json:"workspace_id"`
	Role        string `json:"role"`
}

// Session is a signed-in browser.
type Session struct {
	UserID     int64
	CSRF       string // the token its forms send back
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}
