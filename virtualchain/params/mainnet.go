package params

// satoshisPerBTC is a float on purpose: v1 wrote its namespace prices as
// floats (400.0 * SATOSHIS_PER_BTC) and compared fees against them as such.
const satoshisPerBTC = 1e8

// btcNamespacePrices builds v1's table A (index = namespace ID length),
// each entry divided by div (epoch 3 sells namespaces at a tenth).
func btcNamespacePrices(oneChar, div float64) []float64 {
	t := make([]float64, 20)
	t[0] = 21 * satoshisPerBTC
	for n := 1; n < 20; n++ {
		switch {
		case n == 1:
			t[n] = oneChar
		case n <= 3:
			t[n] = 40.0 * satoshisPerBTC
		case n <= 7:
			t[n] = 4.0 * satoshisPerBTC
		default:
			t[n] = 0.4 * satoshisPerBTC
		}
		if n > 0 {
			t[n] /= div
		}
	}
	return t
}

// stxNamespacePrices is v1's micro-STX namespace price table (epochs 4-6):
// the USD prices of table A at 0.15 USD per STX.
func stxNamespacePrices() []int64 {
	t := make([]int64, 20)
	for n := 1; n < 20; n++ {
		switch {
		case n == 1:
			t[n] = 640000000000
		case n <= 3:
			t[n] = 64000000000
		case n <= 7:
			t[n] = 6400000000
		default:
			t[n] = 640000000
		}
	}
	return t
}

// Mainnet returns Bitcoin mainnet's rules as Blockstack Core v1 (v22.2.0.0)
// applied them.
func Mainnet() *Params {
	e3 := Multisig | Segwit | OpRegisterUpdate | OpRenewTransferUpdate | NamespaceBurnToCreator
	e4 := e3 | NamespacePayWithStacks | StacksBuyNamespaces | FixPreorderExpire | NameopsCostTokens | TokenTransfer | IntDivision
	e5 := e4 | TokenTransferConsensusHashOptional
	oneChar := 400.0 * satoshisPerBTC
	return &Params{
		Network:      "mainnet",
		Magic:        [2]byte{'i', 'd'},
		FirstBlock:   373601,
		P2PKHVersion: 0x00,
		P2SHVersion:  0x05,
		Epochs: []Epoch{
			{EndBlock: 436650, LifetimeMultiplier: 1, PriceMultiplier: 1.0, NamespacePrices: btcNamespacePrices(oneChar, 1)},
			{EndBlock: 488500, Features: Features(Multisig), LifetimeMultiplier: 2, PriceMultiplier: 1.0, NamespacePrices: btcNamespacePrices(oneChar, 1)},
			{EndBlock: 547921, Features: Features(e3), LifetimeMultiplier: 2, GracePeriod: 5000, PriceMultiplier: 0.1, ReceiveFeesPeriod: BlocksPerYear, NamespacePrices: btcNamespacePrices(oneChar, 10)},
			{EndBlock: 599866, Features: Features(e4), LifetimeMultiplier: 2, GracePeriod: 5000, PriceDivisor: 10, PriceDivisorStacks: 1, ReceiveFeesPeriod: BlocksPerYear, NamespacePricesStacks: stxNamespacePrices()},
			{EndBlock: 613249, Features: Features(e5), LifetimeMultiplier: 2, GracePeriod: 5000, PriceDivisor: 10, PriceDivisorStacks: 1, ReceiveFeesPeriod: BlocksPerYear, NamespacePricesStacks: stxNamespacePrices()},
			{EndBlock: 0, Features: Features(e5), LifetimeMultiplier: 2, GracePeriod: 5000, PriceDivisor: 10, PriceDivisorStacks: 1, ReceiveFeesPeriod: BlocksPerYear, NamespacePricesStacks: stxNamespacePrices()},
		},
		GenesisSnapshot: map[uint64]string{
			373597: "17ac43c1d8549c3181b200f1bf97eb7d",
			373598: "17ac43c1d8549c3181b200f1bf97eb7d",
			373599: "17ac43c1d8549c3181b200f1bf97eb7d",
			373600: "17ac43c1d8549c3181b200f1bf97eb7d",
		},
		NamePreorderExpire:      144,
		NamespacePreorderExpire: 144,
		NamespaceRevealExpire:   BlocksPerYear,
		ImportKeyringSize:       300,
		ConsensusWindow:         24,
		Confirmations:           6,
		ImportHeight:            665750,
		AnnounceIDs:             []string{"judecn.id", "muneeb.id", "shea256.id"},
	}
}

// TokenEpochStart returns the first height at which token rules apply, or 0
// when the network never enables them.
func (p *Params) TokenEpochStart() uint64 {
	var start uint64 = p.FirstBlock
	for _, e := range p.Epochs {
		if e.Features.Has(NameopsCostTokens) || e.Features.Has(TokenTransfer) || e.Features.Has(StacksBuyNamespaces) {
			return start
		}
		start = e.EndBlock + 1
	}
	return 0
}
