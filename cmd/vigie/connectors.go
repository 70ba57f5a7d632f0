package main

// The connectors compiled into vigie: each registers its source kind with
// package connector when imported.
import (
	_ "github.com/vigie-project/vigie/internal/bluesky"
	_ "github.com/vigie-project/vigie/internal/discourse"
	_ "github.com/vigie-project/vigie/internal/hackernews"
	_ "github.com/vigie-project/vigie/internal/lemmy"
	_ "github.com/vigie-project/vigie/internal/mastodon"
	_ "github.com/vigie-project/vigie/internal/reddit"
	_ "github.com/vigie-project/vigie/internal/rss"
	_ "github.com/vigie-project/vigie/internal/simulator"
	_ "github.com/vigie-project/vigie/internal/webhook"
	_ "github.com/vigie-project/vigie/internal/youtube"
)
