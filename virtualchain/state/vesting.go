package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Token vesting is v1's account_vesting table: genesis tokens that unlock
// at given heights. v1 credited the unlocks of height N+1 while saving block
// N (namedb_accounts_vest from db_save), after N's operations, so they are
// spendable by the first operation of N+1 and by nothing before it.
//
// The schedule is stored at genesis under
//
//	'v' height(8, big-endian) address 0x00 token type -> amount (decimal)
//
// so one block's unlocks are a single prefix scan. The prefix lives here,
// beside its only user; a test checks it is not one of keys.go's.
const pfxVesting = 'v'

func vestingKey(h uint64, addr, units string) []byte {
	k := make([]byte, 0, 10+len(addr)+len(units))
	k = append(k, pfxVesting)
	k = binary.BigEndian.AppendUint64(k, h)
	k = append(k, addr...)
	k = append(k, keySep)
	return append(k, units...)
}

func (b *block) putVesting(v vestingEntry) error {
	return b.ov.put(vestingKey(v.height, v.address, v.units), []byte(strconv.FormatInt(v.amount, 10)))
}

// vest credits every unlock scheduled for height h, as namedb_accounts_vest
// did: credit_value grows, debit_value is kept, and an account that does not
// exist yet is created unlocked and whitelisted (v1's defaults for a credit
// to a new account). Writes go to the block's overlay, so the unlocks are
// committed and rolled back with the block that triggered them.
func (b *block) vest(h uint64) error {
	var due []payInfo
	prefix := binary.BigEndian.AppendUint64([]byte{pfxVesting}, h)
	err := b.ov.scan(prefix, func(k, v []byte) error {
		rest := k[len(prefix):]
		i := bytes.IndexByte(rest, keySep)
		if i < 0 {
			return &InvariantError{Height: b.height, Msg: fmt.Sprintf("corrupt vesting key %q", k)}
		}
		amt, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || amt < 0 {
			return &InvariantError{Height: b.height, Msg: fmt.Sprintf("corrupt vesting amount %q", v)}
		}
		due = append(due, payment(string(rest[:i]), string(rest[i+1:]), amt))
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range due {
		if err := b.credit(p); err != nil {
			return err
		}
	}
	return nil
}
