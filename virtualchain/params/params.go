package params

import (
	"errors"
	"fmt"
)

// Feature names one epoch-gated rule change of Blockstack Core v1.
type Feature uint16

// The epoch features of Blockstack Core v1 (config.py EPOCH_FEATURE_*).
const (
	Multisig Feature = 1 << iota
	Segwit
	OpRegisterUpdate
	OpRenewTransferUpdate
	NamespaceBurnToCreator
	NamespacePayWithStacks
	StacksBuyNamespaces
	FixPreorderExpire
	NameopsCostTokens
	TokenTransfer
	IntDivision
	TokenTransferConsensusHashOptional
)

var featureNames = map[string]Feature{
	"multisig":                               Multisig,
	"segwit":                                 Segwit,
	"op_register_update":                     OpRegisterUpdate,
	"op_renew_transfer_update":               OpRenewTransferUpdate,
	"namespace_burn_to_creator":              NamespaceBurnToCreator,
	"namespace_pay_with_stacks":              NamespacePayWithStacks,
	"stacks_buy_namespaces":                  StacksBuyNamespaces,
	"fix_preorder_expire":                    FixPreorderExpire,
	"nameops_cost_tokens":                    NameopsCostTokens,
	"token_transfer":                         TokenTransfer,
	"int_division":                           IntDivision,
	"token_transfer_consensus_hash_optional": TokenTransferConsensusHashOptional,
}

// Features is a set of epoch features.
type Features uint16

// Has reports whether f is in the set.
func (s Features) Has(f Feature) bool { return uint16(s)&uint16(f) != 0 }

// Epoch is one row of the epoch table. Heights up to and including EndBlock
// belong to it; the last epoch is open-ended (EndBlock 0).
type Epoch struct {
	EndBlock           uint64
	Features           Features
	LifetimeMultiplier int64
	GracePeriod        int64
	// PriceMultiplier scales BTC name prices before integer division exists.
	PriceMultiplier float64
	// PriceDivisor and PriceDivisorStacks divide name prices once
	// IntDivision is on.
	PriceDivisor       int64
	PriceDivisorStacks int64
	ReceiveFeesPeriod  int64
	// NamespacePrices is the BTC namespace price by ID length (index 0
	// unused); nil where the epoch sells no namespaces for BTC, in which case
	// v1's comparison against None lets any fee through.
	NamespacePrices []float64
	// NamespacePricesStacks is the same in micro-STX, nil before epoch 4.
	NamespacePricesStacks []int64
}

// Params is the full rule set of one network.
type Params struct {
	Network      string
	Magic        [2]byte
	FirstBlock   uint64
	P2PKHVersion byte
	P2SHVersion  byte
	Epochs       []Epoch
	// GenesisSnapshot holds the consensus hashes recorded for the blocks
	// just before FirstBlock. They are valid inside payloads during the first
	// blocks but never enter the prior-hash list.
	GenesisSnapshot map[uint64]string

	NamePreorderExpire      int64
	NamespacePreorderExpire int64
	NamespaceRevealExpire   int64
	ImportKeyringSize       int
	ConsensusWindow         int64
	Confirmations           int64
	// ImportHeight is v1's end of life: from this height on every
	// transaction is ignored. Zero means no cut-off.
	ImportHeight uint64
	// AnnounceIDs are the names whose owners may send ANNOUNCE.
	AnnounceIDs []string
}

// Constants of the v1 rules that no network changes.
const (
	MaxNamesPerSender     = 25
	NameCostUnit          = 100
	NameCostUnitStacks    = 1733
	NamespaceLifeInfinite = 0xffffffff
	BlocksPerYear         = 52595
)

// EpochIndex returns the 0-based epoch of height h.
func (p *Params) EpochIndex(h uint64) int {
	for i, e := range p.Epochs {
		if e.EndBlock == 0 || h <= e.EndBlock {
			return i
		}
	}
	return len(p.Epochs) - 1
}

// Epoch returns the epoch row of height h.
func (p *Params) Epoch(h uint64) *Epoch { return &p.Epochs[p.EpochIndex(h)] }

// Features returns the features active at height h.
func (p *Params) Features(h uint64) Features { return p.Epoch(h).Features }

// Validate checks the rule set for the mistakes a hand-written params file
// can make.
func (p *Params) Validate() error {
	if p.FirstBlock == 0 {
		return errors.New("params: first_block must be set")
	}
	if len(p.Epochs) == 0 {
		return errors.New("params: at least one epoch is required")
	}
	var prev uint64
	for i, e := range p.Epochs {
		last := i == len(p.Epochs)-1
		if e.EndBlock == 0 && !last {
			return fmt.Errorf("params: epoch %d is open-ended but not last", i+1)
		}
		if e.EndBlock != 0 && e.EndBlock <= prev && i > 0 {
			return fmt.Errorf("params: epoch %d ends at %d, not after epoch %d", i+1, e.EndBlock, i)
		}
		if e.LifetimeMultiplier <= 0 {
			return fmt.Errorf("params: epoch %d: namespace_lifetime_multiplier must be positive", i+1)
		}
		if e.Features.Has(IntDivision) && (e.PriceDivisor <= 0 || e.PriceDivisorStacks <= 0) {
			return fmt.Errorf("params: epoch %d: int_division needs positive price divisors", i+1)
		}
		prev = e.EndBlock
	}
	if p.ConsensusWindow <= 0 {
		return errors.New("params: consensus_hash_window must be positive")
	}
	if p.ImportKeyringSize < 0 {
		return errors.New("params: name_import_keyring_size must not be negative")
	}
	if p.Magic == [2]byte{} {
		return errors.New("params: magic must be two bytes")
	}
	return nil
}
