package consensus

// The field lists below are the reference's SERIALIZE_FIELDS (blockstack-core
// operations/*.py, as of 0.14 and unchanged through v1's end). Their order is
// consensus-critical and names repeat on purpose (registrations hash sender
// and address twice). They are built afresh on each call so that no caller
// can edit a shared list.

// nameRecFields is NAMEREC_FIELDS: the columns of a name record, which every
// name operation except the preorder serializes first.
func nameRecFields(extra ...string) []string {
	return append([]string{
		"name", "value_hash", "sender", "sender_pubkey", "address",
		"block_number", "preorder_block_number", "first_registered",
		"last_renewed", "revoked",
		"op", "txid", "vtxindex", "op_fee",
		"importer", "importer_address",
	}, extra...)
}

// namespaceRevealFields is the NAMESPACE_REVEAL list, which NAMESPACE_READY
// extends.
func namespaceRevealFields(extra ...string) []string {
	return append([]string{
		"namespace_id", "preorder_hash", "version",
		"sender", "sender_pubkey", "address",
		"recipient", "recipient_address",
		"block_number", "reveal_block",
		"op", "txid", "vtxindex",
		"lifetime", "coeff", "base", "buckets",
		"nonalpha_discount", "no_vowel_discount",
	}, extra...)
}

// SerializeFields returns the fields SerializeOp must hash for the op named
// opName ("NAME_PREORDER", "NAME_REGISTRATION", "NAME_RENEWAL",
// "NAME_UPDATE", "NAME_TRANSFER", "NAME_REVOKE", "NAME_IMPORT",
// "NAMESPACE_PREORDER", "NAMESPACE_REVEAL", "NAMESPACE_READY", "ANNOUNCE",
// "TOKEN_TRANSFER"). The slice is the caller's to keep. ANNOUNCE has an
// empty list (it is never hashed); an unknown name returns nil.
func SerializeFields(opName string) []string {
	switch opName {
	case "NAME_PREORDER":
		return []string{
			"preorder_hash", "consensus_hash", "sender", "sender_pubkey",
			"address", "block_number", "op", "txid", "vtxindex", "op_fee",
		}
	case "NAME_REGISTRATION", "NAME_RENEWAL", "NAME_IMPORT":
		return nameRecFields("sender", "address")
	case "NAME_UPDATE":
		return nameRecFields("name_consensus_hash", "consensus_hash")
	case "NAME_TRANSFER":
		return nameRecFields("name_hash128", "consensus_hash", "keep_data")
	case "NAME_REVOKE":
		return nameRecFields()
	case "NAMESPACE_PREORDER":
		// Not the NAME_PREORDER order: op and op_fee come before txid here.
		return []string{
			"preorder_hash", "consensus_hash", "op", "op_fee", "txid",
			"vtxindex", "block_number", "sender", "sender_pubkey", "address",
		}
	case "NAMESPACE_REVEAL":
		return namespaceRevealFields()
	case "NAMESPACE_READY":
		return namespaceRevealFields("ready_block")
	case "ANNOUNCE":
		return []string{}
	case "TOKEN_TRANSFER":
		return []string{
			"sender", "address", "recipient", "recipient_address",
			"token_units", "token_fee", "block_id", "op", "txid",
			"vtxindex", "consensus_hash", "scratch_area",
		}
	}
	return nil
}
