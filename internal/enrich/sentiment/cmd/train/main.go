// Command train builds internal/enrich/sentiment/model.bin from the UMSAB train
// splits and the shippable lexicons of the shared data folder, or with -cv
// cross-validates configurations on the train splits.
//
//	go run ./internal/enrich/sentiment/cmd/train -shared ../shared -out internal/enrich/sentiment/model.bin
//	go run ./internal/enrich/sentiment/cmd/train -shared ../shared -cv grid
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/vigie-project/vigie/internal/enrich/sentiment"
)

func main() {
	shared := flag.String("shared", "../shared", "the shared folder (holding data/)")
	out := flag.String("out", "internal/enrich/sentiment/model.bin", "model file to write")
	cv := flag.String("cv", "", "cross-validate instead of training: \"default\" or \"grid\"")
	folds := flag.Int("k", 5, "folds for -cv")
	flag.Parse()
	log.SetFlags(0)

	if *cv != "" {
		var cfgs []sentiment.Config
		switch *cv {
		case "default":
			cfgs = []sentiment.Config{sentiment.DefaultConfig}
		case "grid":
			cfgs = grid()
		default:
			log.Fatalf("unknown -cv %q", *cv)
		}
		_, err := sentiment.CrossValidate(*shared, *folds, cfgs, func(r sentiment.CVResult) {
			c := r.Config
			fmt.Printf("bits=%d bi=%v char=%d-%d neg=%d cscale=%v shared=%v lambda=%g iters=%d lr=%g  %s\n",
				c.HashBits, c.Bigrams, c.CharMin, c.CharMax, c.NegScope, c.ContrastScale, c.SharedInLang, c.Lambda, c.Iters, c.LR, r)
		})
		if err != nil {
			log.Fatal(err)
		}
		return
	}

	b, err := sentiment.BuildModel(*shared, sentiment.DefaultConfig)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes, sha256 %x\n", *out, len(b), sha256.Sum256(b))
}

// grid is the third round of the search the default configuration was
// chosen with (the first rounds, with character n-grams, bigrams, contrast
// scaling and shared features each switched on and off, is in README.md).
func grid() []sentiment.Config {
	var out []sentiment.Config
	base := sentiment.DefaultConfig
	base.CharMin, base.CharMax = 0, 0
	for _, shared := range []bool{false, true} {
		for _, lr := range []float64{0.01, 0.02} {
			for _, it := range []int{5, 10, 20} {
				for _, lambda := range []float64{1e-5, 1e-3} {
					c := base
					c.SharedInLang, c.LR, c.Iters, c.Lambda = shared, lr, it, lambda
					out = append(out, c)
				}
			}
		}
	}
	return out
}
