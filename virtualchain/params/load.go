package params

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// fileEpoch is one epoch as a params file writes it.
type fileEpoch struct {
	EndBlock           *uint64  `json:"end_block"`
	Features           []string `json:"features"`
	LifetimeMultiplier int64    `json:"namespace_lifetime_multiplier"`
	PriceMultiplier    *float64 `json:"price_multiplier"`
	GracePeriod        int64    `json:"grace_period"`
	PriceDivisor       int64    `json:"price_divisor"`
	PriceDivisorStacks int64    `json:"price_divisor_stacks"`
	ReceiveFeesPeriod  int64    `json:"receive_fees_period"`
	NamespacePriceDiv  float64  `json:"namespace_price_divisor"`
}

// file is the params JSON layout of ../shared/data/consensus/scenarios.
type file struct {
	Network                 string            `json:"network"`
	Magic                   string            `json:"magic"`
	FirstBlock              uint64            `json:"first_block"`
	P2PKHVersion            *int              `json:"p2pkh_version"`
	P2SHVersion             *int              `json:"p2sh_version"`
	Epochs                  []fileEpoch       `json:"epochs"`
	GenesisSnapshot         map[string]string `json:"genesis_snapshot"`
	NamePreorderExpire      int64             `json:"name_preorder_expire"`
	NamespacePreorderExpire int64             `json:"namespace_preorder_expire"`
	NamespaceRevealExpire   int64             `json:"namespace_reveal_expire"`
	ImportKeyringSize       int               `json:"name_import_keyring_size"`
	ConsensusWindow         int64             `json:"consensus_hash_window"`
	Confirmations           int64             `json:"confirmations"`
	Namespace1CharCost      *float64          `json:"namespace_1_char_cost"`
	NamespaceRulesAlias     map[string]string `json:"namespace_rules_alias"`
	ImportHeight            uint64            `json:"import_height"`
	AnnounceIDs             []string          `json:"announce_ids"`
}

// Load reads a params file. Unknown keys are refused so a typo cannot
// silently fall back to a default rule.
func Load(path string) (*Params, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	p, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Parse decodes params JSON.
func Parse(raw []byte) (*Params, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	if len(f.Magic) != 2 {
		return nil, fmt.Errorf("params: magic %q must be two bytes", f.Magic)
	}
	p := &Params{
		Network:                 f.Network,
		FirstBlock:              f.FirstBlock,
		P2PKHVersion:            0x6f,
		P2SHVersion:             0xc4,
		NamePreorderExpire:      orDefault(f.NamePreorderExpire, 144),
		NamespacePreorderExpire: orDefault(f.NamespacePreorderExpire, 144),
		NamespaceRevealExpire:   orDefault(f.NamespaceRevealExpire, BlocksPerYear),
		ImportKeyringSize:       f.ImportKeyringSize,
		ConsensusWindow:         orDefault(f.ConsensusWindow, 24),
		Confirmations:           f.Confirmations,
		ImportHeight:            f.ImportHeight,
		AnnounceIDs:             f.AnnounceIDs,
		GenesisSnapshot:         map[uint64]string{},
	}
	copy(p.Magic[:], f.Magic)
	if f.P2PKHVersion != nil {
		p.P2PKHVersion = byte(*f.P2PKHVersion)
	}
	if f.P2SHVersion != nil {
		p.P2SHVersion = byte(*f.P2SHVersion)
	}
	if p.AnnounceIDs == nil {
		p.AnnounceIDs = []string{"judecn.id", "muneeb.id", "shea256.id"}
	}
	for k, v := range f.GenesisSnapshot {
		h, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("params: genesis_snapshot key %q is not a height", k)
		}
		p.GenesisSnapshot[h] = v
	}
	oneChar := 400.0 * satoshisPerBTC
	if f.Namespace1CharCost != nil {
		oneChar = *f.Namespace1CharCost
	}
	for i, fe := range f.Epochs {
		e := Epoch{
			LifetimeMultiplier: fe.LifetimeMultiplier,
			GracePeriod:        fe.GracePeriod,
			PriceMultiplier:    1.0,
			PriceDivisor:       fe.PriceDivisor,
			PriceDivisorStacks: fe.PriceDivisorStacks,
			ReceiveFeesPeriod:  fe.ReceiveFeesPeriod,
		}
		if fe.EndBlock != nil {
			if *fe.EndBlock == 0 {
				return nil, fmt.Errorf("params: epoch %d: end_block 0; use null for open-ended", i+1)
			}
			e.EndBlock = *fe.EndBlock
		}
		if fe.PriceMultiplier != nil {
			e.PriceMultiplier = *fe.PriceMultiplier
		}
		for _, name := range fe.Features {
			ft, ok := featureNames[name]
			if !ok {
				return nil, fmt.Errorf("params: epoch %d: unknown feature %q", i+1, name)
			}
			e.Features |= Features(ft)
		}
		div := fe.NamespacePriceDiv
		if div == 0 {
			div = 1
		}
		if e.Features.Has(StacksBuyNamespaces) {
			e.NamespacePricesStacks = stxNamespacePrices()
		} else {
			e.NamespacePrices = btcNamespacePrices(oneChar, div)
		}
		p.Epochs = append(p.Epochs, e)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}
