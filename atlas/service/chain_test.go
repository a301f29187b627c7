package service_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
)

// synthChain is a node.Chain whose blocks announce given zonefile hashes:
// for tests and benchmarks that need many real (or generated) zonefiles
// announced without replaying thousands of name operations. Each block's
// consensus hash commits to the previous one and to the block's
// announcements, as a real one commits to history. It is safe for
// concurrent use, so several services can follow one instance.
type synthChain struct {
	mu     sync.RWMutex
	first  int64
	hashes []string // consensus hash per height from first
	byHash map[string]int64
	anns   []inventory.Announcement
}

var _ node.Chain = (*synthChain)(nil)

// synthFirstBlock is mainnet's first BNS block, so that the services'
// default FirstBlock applies.
const synthFirstBlock = 373601

func newSynthChain() *synthChain {
	return &synthChain{first: synthFirstBlock, byHash: map[string]int64{}}
}

// addBlock appends one block announcing hashes (possibly none).
func (c *synthChain) addBlock(hashes ...inventory.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	height := c.first + int64(len(c.hashes))
	d := md5.New()
	if n := len(c.hashes); n > 0 {
		d.Write([]byte(c.hashes[n-1]))
	}
	var hb [8]byte
	binary.BigEndian.PutUint64(hb[:], uint64(height))
	d.Write(hb[:])
	for i, h := range hashes {
		d.Write(h[:])
		txid := chainhash.Hash(sha256.Sum256(fmt.Appendf(nil, "%d/%d/%x", height, i, h)))
		c.anns = append(c.anns, inventory.Announcement{
			Name: fmt.Sprintf("synth%d.id", len(c.anns)), Hash: h, TxID: txid, Height: int32(height),
		})
	}
	ch := hex.EncodeToString(d.Sum(nil))
	c.hashes = append(c.hashes, ch)
	c.byHash[ch] = height
}

// addBlocks announces hashes perBlock at a time.
func (c *synthChain) addBlocks(perBlock int, hashes []inventory.Hash) {
	for len(hashes) > 0 {
		n := min(perBlock, len(hashes))
		c.addBlock(hashes[:n]...)
		hashes = hashes[n:]
	}
}

func (c *synthChain) LastBlock() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.first + int64(len(c.hashes)) - 1
}

func (c *synthChain) ConsensusHash(h int64) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := h - c.first
	if i < 0 || i >= int64(len(c.hashes)) {
		return "", false
	}
	return c.hashes[i], true
}

func (c *synthChain) BlockOfConsensus(ch string) (int64, bool, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	h, ok := c.byHash[ch]
	return h, ok, nil
}

func (c *synthChain) Slots() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.anns)
}

func (c *synthChain) Announcements(from, n int) ([]inventory.Announcement, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if from < 0 || n < 0 {
		return nil, fmt.Errorf("synth: bad range %d+%d", from, n)
	}
	if from >= len(c.anns) {
		return nil, nil
	}
	return append([]inventory.Announcement(nil), c.anns[from:min(from+n, len(c.anns))]...), nil
}

// order returns the announced hashes in slot order: a v1 peer's inventory
// order for this chain.
func (c *synthChain) order() []inventory.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]inventory.Hash, len(c.anns))
	for i, a := range c.anns {
		out[i] = a.Hash
	}
	return out
}
