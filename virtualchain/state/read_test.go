package state

import "testing"

// The read API sees what the operations wrote: a ready namespace and a
// registered name with its history.
func TestReadAPI(t *testing.T) {
	c := newChain(t, epochNet(t, 1), nil)
	c.readyNamespace("test", cheapRules, dave, dave)
	c.register("foo.test", alice, bob, cheapPrice)
	m := c.m
	r, ok, err := m.Name("foo.test")
	if err != nil || !ok {
		t.Fatalf("Name = %v, %v", ok, err)
	}
	if r["name"] != "foo.test" || r["address"] != bob.addr {
		t.Fatalf("record %v", r)
	}
	if _, ok := r["first_registered"].(int64); !ok {
		t.Fatalf("first_registered is %T, want int64", r["first_registered"])
	}
	hist, err := m.History("foo.test")
	// As in v1, the preorder is the first entry of the name's history.
	if err != nil || len(hist) != 2 || hist[0]["op"] != "?" || hist[1]["op"] != ":" {
		t.Fatalf("History = %v, %v", hist, err)
	}
	ids, err := m.Namespaces()
	if err != nil || len(ids) != 1 || ids[0] != "test" {
		t.Fatalf("Namespaces = %v, %v", ids, err)
	}
	if ns, ok, _ := m.Namespace("test"); !ok || ns["namespace_id"] != "test" {
		t.Fatalf("Namespace = %v, %v", ns, ok)
	}
	if n, err := m.NameCount(); err != nil || n != 1 {
		t.Fatalf("NameCount = %d, %v", n, err)
	}
	if _, ok, _ := m.Name("nobody.test"); ok {
		t.Fatal("unknown name found")
	}
	m.Close()
	if _, _, err := m.Name("foo.test"); err != ErrClosed {
		t.Fatalf("read after Close: %v", err)
	}
}
