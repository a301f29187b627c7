package state

// prefixSet marks first key bytes. As the machine's empty set it only ever
// loses members between opens (a write may fill a prefix, and deletes are
// not tracked), so a member is certainly empty.
type prefixSet [256]bool

// loadEmpty marks every first byte under which base holds no key.
func (e *prefixSet) loadEmpty(base reader) error {
	for i := range e {
		e[i] = true
	}
	it, err := base.NewIter(nil)
	if err != nil {
		return err
	}
	// One seek per prefix in use: after a key with first byte c, jump to
	// c+1.
	for ok := it.First(); ok; {
		if len(it.Key()) == 0 {
			ok = it.Next()
			continue
		}
		c := it.Key()[0]
		e[c] = false
		if c == 0xff {
			break
		}
		ok = it.SeekGE([]byte{c + 1})
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}
