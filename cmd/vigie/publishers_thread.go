package main

import "github.com/vigie-project/vigie/internal/publish"

// The network clients read an inbox item's thread through the publishers
// they embed.
var (
	_ publish.Threader = mastodonClient{}
	_ publish.Threader = blueskyClient{}
)
