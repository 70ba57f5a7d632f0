package mastodon

import "time"

// ShortMediaWait makes the checks of an attachment being processed
// follow each other at once, for the test; the returned func undoes it.
func ShortMediaWait() func() {
	was := mediaWait
	mediaWait = func(int) time.Duration { return 0 }
	return func() { mediaWait = was }
}
