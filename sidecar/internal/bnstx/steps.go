package bnstx

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// Miner is what the multi-block sequences need from their caller: Mine
// mines k blocks and brings the replay CH reads up to them (each history
// keeps its own: the daemon's, a reference follower's), and CH returns the
// consensus hash a wallet would quote now.
type Miner interface {
	Mine(k int) error
	CH() string
}

// Launch says how to launch a namespace: its ID, the preorder fee (the
// network's price for the ID's length or more), its rules, and what the
// new creator and revealer keys are funded with.
type Launch struct {
	NS                          string
	Fee                         btcutil.Amount
	Rules                       Rules
	CreatorFunds, RevealerFunds btcutil.Amount
}

// Launch funds two new keys and preorders, reveals and readies the
// namespace, a block each, as every test history and the devnet do.
func (b *Builder) Launch(m Miner, l Launch) error {
	creator, revealer := b.n.NewKey(), b.n.NewKey()
	if _, err := b.n.Fund(creator, l.CreatorFunds); err != nil {
		return err
	}
	if _, err := b.n.Fund(revealer, l.RevealerFunds); err != nil {
		return err
	}
	if err := m.Mine(1); err != nil {
		return err
	}
	if err := send(b.NamespacePreorder(creator, l.NS, revealer, m.CH(), l.Fee)); err != nil {
		return fmt.Errorf("bnstx: namespace preorder %s: %w", l.NS, err)
	}
	if err := m.Mine(1); err != nil {
		return err
	}
	if err := send(b.NamespaceReveal(creator, l.NS, revealer, l.Rules), nil); err != nil {
		return fmt.Errorf("bnstx: namespace reveal %s: %w", l.NS, err)
	}
	if err := m.Mine(1); err != nil {
		return err
	}
	if err := send(b.NamespaceReady(revealer, l.NS), nil); err != nil {
		return fmt.Errorf("bnstx: namespace ready %s: %w", l.NS, err)
	}
	return m.Mine(1)
}

// Register funds a new key per name with funds, preorders every name in
// one block (fee 100,000 satoshis, enough on every test price table) and
// registers them in the next, returning the owners in the names' order.
func (b *Builder) Register(m Miner, funds btcutil.Amount, names ...string) ([]*regtest.Key, error) {
	keys := make([]*regtest.Key, len(names))
	for i := range names {
		keys[i] = b.n.NewKey()
		if _, err := b.n.Fund(keys[i], funds); err != nil {
			return nil, err
		}
	}
	if err := m.Mine(1); err != nil {
		return nil, err
	}
	ch := m.CH()
	for i, name := range names {
		if err := send(b.NamePreorder(keys[i], name, keys[i], ch, 100000)); err != nil {
			return nil, fmt.Errorf("bnstx: preorder %s: %w", name, err)
		}
	}
	if err := m.Mine(1); err != nil {
		return nil, err
	}
	for i, name := range names {
		if err := send(b.NameRegister(keys[i], name, keys[i]), nil); err != nil {
			return nil, fmt.Errorf("bnstx: register %s: %w", name, err)
		}
	}
	return keys, m.Mine(1)
}

func send(tb *regtest.TxBuilder, err error) error {
	if err != nil {
		return err
	}
	_, err = tb.Send()
	return err
}
