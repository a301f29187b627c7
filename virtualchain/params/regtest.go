package params

// regtestJSON is the network Blockstack Core v1's own integration tests ran
// on (bitcoind regtest, the "test" namespace aliased to "id" rules): the
// params every reference scenario in ../shared/data/consensus/scenarios
// shares, apart from per-scenario epoch boundaries.
const regtestJSON = `{
 "network": "regtest",
 "magic": "id",
 "first_block": 256,
 "p2pkh_version": 111,
 "p2sh_version": 196,
 "confirmations": 0,
 "consensus_hash_window": 24,
 "epochs": [
  {"end_block": 436650, "features": [], "namespace_lifetime_multiplier": 1, "price_multiplier": 1.0},
  {"end_block": null, "features": ["multisig"], "namespace_lifetime_multiplier": 2, "price_multiplier": 1.0}
 ],
 "genesis_snapshot": {
  "252": "17ac43c1d8549c3181b200f1bf97eb7d",
  "253": "17ac43c1d8549c3181b200f1bf97eb7d",
  "254": "17ac43c1d8549c3181b200f1bf97eb7d",
  "255": "17ac43c1d8549c3181b200f1bf97eb7d"
 },
 "name_import_keyring_size": 5,
 "name_preorder_expire": 144,
 "namespace_1_char_cost": 4100000000,
 "namespace_preorder_expire": 144,
 "namespace_reveal_expire": 144,
 "namespace_rules_alias": {"test": "id"}
}`

// Regtest returns the rules of Blockstack's regtest network, which atlasd's
// devnet and its integration tests run on top of a btcd regtest node.
// Names are cheap there and blocks before 256 carry no name operations.
func Regtest() *Params {
	p, err := Parse([]byte(regtestJSON))
	if err != nil {
		// The literal is fixed at build time and covered by a test.
		panic("params: built-in regtest params: " + err.Error())
	}
	return p
}
