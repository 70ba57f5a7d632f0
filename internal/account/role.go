package account

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
)

// Role is what a member may do in a workspace.
type Role string

// Roles, from most to least powerful.
const (
	Admin  Role = "admin"  // everything, including members and sources
	Editor Role = "editor" // monitors, sources, tags and corrections
	Viewer Role = "viewer" // reads dashboards and mentions, exports
)

// Roles lists the roles, most powerful first.
var Roles = []Role{Admin, Editor, Viewer}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("%w: role %q must be one of admin, editor, viewer", vigie.ErrInvalid, s)
	}
	return r, nil
}

// Action is something a member may be allowed to do.
type Action int

// Actions checked by the web app and the API.
const (
	Read            Action = iota // dashboards, mentions, monitors, sources, exports
	EditMonitors                  // create, change, delete monitors
	EditSources                   // add and remove sources
	CorrectMention                // tag, correct sentiment/language, mark irrelevant
	ManageMembers                 // invite, change roles, remove
	EditAlerts                    // create, change, delete alert rules; retry deliveries
	HandleIncidents               // acknowledge alerts, open and change incidents
	Publish                       // write, schedule and change posts (approval is the workspace's rule)
	ManageAccounts                // connect and disconnect the organisation's accounts
	HandleInbox                   // assign, tag, note and answer inbox items
)

// Can reports whether the role allows the action. An empty role (not a
// member) allows nothing.
func (r Role) Can(a Action) bool {
	switch r {
	case Admin:
		return true
	case Editor:
		return a != ManageMembers && a != ManageAccounts
	case Viewer:
		return a == Read
	}
	return false
}
