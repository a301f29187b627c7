package nameop

// Namespace versions (config.py NAMESPACE_VERSION_*).
const (
	NamespaceVersionPayToBurn     = 1
	NamespaceVersionPayToCreator  = 2
	NamespaceVersionPayWithStacks = 3
)

// NamespaceLifeInfinite is the lifetime meaning "names never expire".
const NamespaceLifeInfinite = 0xffffffff

// Fixed part of a NAMESPACE_REVEAL payload, before the namespace ID.
const revealFixedLen = 4 + 1 + 1 + 8 + 1 + 2

// NamespaceReveal is a NAMESPACE_REVEAL (operations/namespacereveal.py
// tx_extract).
type NamespaceReveal struct {
	Sender       string // sender: hex script that funded input 0 (the preorderer)
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None; the key is always present)
	// Recipient and RecipientAddress are recipient and
	// recipient_address: outputs[1], the reveal address whose key signs
	// imports and the READY.
	Recipient        string
	RecipientAddress string
	NamespaceID      string // namespace_id
	// PreorderHash is preorder_hash, recomputed as HashName(namespace ID,
	// sender script, recipient address) to find the preorder.
	PreorderHash string
	Lifetime     uint32 // lifetime, in blocks; NamespaceLifeInfinite for ever
	Coeff        int    // coeff, 0..255
	Base         int    // base, 0..255
	// Buckets is buckets: the price exponent for name lengths 1..16
	// (the last for 16 and longer), each 0..15.
	Buckets          [16]int
	NonalphaDiscount int // nonalpha_discount, 1..15
	NoVowelDiscount  int // no_vowel_discount, 1..15
	Version          int // version: one of the NamespaceVersion constants
}

// Opcode implements Op.
func (*NamespaceReveal) Opcode() byte { return OpNamespaceReveal }

// Op implements Op.
func (*NamespaceReveal) Op() string { return string(OpNamespaceReveal) }

// ParseNamespaceReveal applies NAMESPACE_REVEAL's extraction rules: outputs
// 0 and 1 nulldata, p2pkh or p2sh, exactly three outputs, and a payload of
// the 17 fixed bytes followed by a valid namespace ID. Which versions an
// epoch allows is the state machine's check.
func ParseNamespaceReveal(t *Tx, _ Rules) (*NamespaceReveal, error) {
	const op = OpNamespaceReveal
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if err := checkOutputTypes(op, t.Outputs, 2); err != nil {
		return nil, err
	}
	if len(t.Outputs) != 3 {
		return nil, parseErr(op, "%d outputs, want exactly 3", len(t.Outputs))
	}
	rcpt, rcptAddr, err := recipient(op, t.Outputs)
	if err != nil {
		return nil, err
	}
	p := t.Payload
	if len(p) < revealFixedLen+1 {
		return nil, parseErr(op, "payload is %d bytes, want at least %d", len(p), revealFixedLen+1)
	}
	nr := &NamespaceReveal{
		Sender:           t.Sender,
		Address:          t.Address,
		SenderPubkey:     t.SenderPubkey,
		Recipient:        rcpt,
		RecipientAddress: rcptAddr,
		Lifetime:         uint32(u64be(p[0:4])),
		Coeff:            int(p[4]),
		Base:             int(p[5]),
		NonalphaDiscount: int(p[14] >> 4),
		NoVowelDiscount:  int(p[14] & 0x0f),
		Version:          int(u64be(p[15:17])),
		NamespaceID:      string(p[revealFixedLen:]),
	}
	for i, b := range p[6:14] {
		nr.Buckets[2*i] = int(b >> 4)
		nr.Buckets[2*i+1] = int(b & 0x0f)
	}
	// The reference hashes before it validates, so an ID outside the
	// base-40 alphabet fails here even where is_b40 would let it through.
	if nr.PreorderHash, err = HashName(nr.NamespaceID, t.Sender, rcptAddr); err != nil {
		return nil, parseErr(op, "namespace ID %q: %v", nr.NamespaceID, err)
	}
	switch {
	case !IsNamespaceValid(nr.NamespaceID):
		return nil, parseErr(op, "invalid namespace ID %q", nr.NamespaceID)
	case nr.Version != NamespaceVersionPayToBurn && nr.Version != NamespaceVersionPayToCreator && nr.Version != NamespaceVersionPayWithStacks:
		return nil, parseErr(op, "version %d", nr.Version)
	case nr.NonalphaDiscount == 0 || nr.NoVowelDiscount == 0:
		return nil, parseErr(op, "zero discount (nonalpha %d, no-vowel %d)", nr.NonalphaDiscount, nr.NoVowelDiscount)
	}
	return nr, nil
}
