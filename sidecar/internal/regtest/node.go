package regtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire"
)

// Credentials the harness gives btcd. They guard nothing (loopback only)
// but btcd refuses to serve RPC without them.
const (
	rpcUser = "atlasd"
	rpcPass = "regtest"
)

// Node is a btcd regtest node run for one test, together with the keys the
// harness signs for and a view of the UTXOs those keys own.
type Node struct {
	t         Env
	bin       string
	dir       string
	rpcAddr   string
	p2pAddr   string
	user      string
	pass      string
	extraArgs []string
	client    *rpcclient.Client
	http      *http.Client

	procMu sync.Mutex // guards proc and paused across Stop/Restart/Kill
	proc   *process
	paused bool

	mu     sync.Mutex // guards the keys and wallet
	keys   []*Key
	wallet wallet
	mined  uint64 // blocks made by MineBlock, for unique coinbases

	// What Restart puts back: the best chain by height and, after a
	// clean Stop, the mempool in dependency order.
	savedChain []chainhash.Hash
	savedPool  []*wire.MsgTx
}

// Env is what the harness needs from its owner. A *testing.T or *testing.B
// is one; the devnet supplies its own, so the same node serves `atlasd
// devnet` outside of tests.
type Env interface {
	Helper()
	TempDir() string
	Cleanup(func())
	Logf(format string, args ...any)
	Fatal(args ...any)
	Failed() bool
}

// Start runs a fresh regtest btcd in a temporary directory and stops it when
// the test ends. extraArgs are appended to the btcd command line. Start fails
// the test if btcd is missing or does not come up.
func Start(t Env, extraArgs ...string) *Node {
	t.Helper()
	n, err := start(t, extraArgs)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Launch is Start for callers that are not tests: it returns the error
// instead of failing a test.
func Launch(env Env, extraArgs ...string) (*Node, error) { return start(env, extraArgs) }

func start(t Env, extraArgs []string) (*Node, error) {
	bin, err := BtcdPath()
	if err != nil {
		return nil, err
	}
	n := &Node{
		t:         t,
		bin:       bin,
		dir:       t.TempDir(),
		user:      rpcUser,
		pass:      rpcPass,
		extraArgs: extraArgs,
		http:      &http.Client{Timeout: 2 * time.Second},
		wallet:    newWallet(),
	}
	miner, err := deriveKey(0)
	if err != nil {
		return nil, err
	}
	n.keys = []*Key{miner}
	if err := os.WriteFile(filepath.Join(n.dir, "btcd.conf"), nil, 0o600); err != nil {
		return nil, fmt.Errorf("regtest: config file: %w", err)
	}
	if err := n.writeCookie(); err != nil {
		return nil, err
	}
	// Ports are picked before btcd binds them, so a race with another
	// process is possible; a couple of fresh tries makes it vanishingly rare.
	for attempt := 0; ; attempt++ {
		if n.rpcAddr, err = freePort(); err != nil {
			return nil, err
		}
		if n.p2pAddr, err = freePort(); err != nil {
			return nil, err
		}
		n.procMu.Lock()
		err = n.launch()
		n.procMu.Unlock()
		if err == nil {
			break
		}
		if attempt == 2 || !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}
	n.client, err = rpcclient.New(&rpcclient.ConnConfig{
		Host:         n.rpcAddr,
		User:         n.user,
		Pass:         n.pass,
		HTTPPostMode: true,
		DisableTLS:   true,
	}, nil)
	if err != nil {
		n.procMu.Lock()
		n.killLocked()
		n.procMu.Unlock()
		return nil, fmt.Errorf("regtest: rpc client: %w", err)
	}
	t.Cleanup(n.cleanup)
	return n, nil
}

// cleanup stops btcd and, if the test failed, shows the end of btcd's output
// since that is often where the reason is.
func (n *Node) cleanup() {
	n.unpause() // a paused btcd cannot handle the interrupt
	n.procMu.Lock()
	err := n.stopLocked()
	n.procMu.Unlock()
	if err != nil {
		n.t.Logf("regtest: stopping btcd: %v", err)
	}
	n.client.Shutdown()
	if n.t.Failed() {
		n.t.Logf("regtest: last btcd output:\n%s", n.outputTail(40))
	}
}

// Stop shuts btcd down cleanly, so calls to the node fail until Restart,
// which is what outage tests want. Stopping a stopped node does nothing.
func (n *Node) Stop() error {
	n.unpause()
	snapErr := n.snapshot(true)
	n.procMu.Lock()
	defer n.procMu.Unlock()
	if err := n.stopLocked(); err != nil {
		return err
	}
	return snapErr
}

// Kill ends btcd with SIGKILL, as a crash would. Restart brings the chain
// back but not the mempool, as bitcoind loses an unsaved mempool in a crash.
func (n *Node) Kill() error {
	n.unpause()
	snapErr := n.snapshot(false)
	n.procMu.Lock()
	defer n.procMu.Unlock()
	n.killLocked()
	return snapErr
}

// Restart stops btcd if it is running and starts it again on the same ports
// with the same best chain, so clients configured with RPCHost carry on once
// it is back. btcd deletes its regtest database at every start, so the
// chain is replayed from the harness's block cache with submitblock (block
// hashes are unchanged), and after a clean Stop the mempool is resubmitted,
// as bitcoind reloads mempool.dat. Side branches and invalidateblock marks
// do not survive a restart.
func (n *Node) Restart() error {
	if err := n.Stop(); err != nil {
		return err
	}
	n.procMu.Lock()
	err := n.launch()
	n.procMu.Unlock()
	if err != nil {
		return err
	}
	return n.replay()
}

// Running reports whether a btcd process is up (it may still be starting).
func (n *Node) Running() bool {
	n.procMu.Lock()
	defer n.procMu.Unlock()
	if n.proc == nil {
		return false
	}
	select {
	case <-n.proc.done:
		return false
	default:
		return true
	}
}

// Client returns an HTTP POST mode RPC client for the node. It keeps working
// across Restart, though a call made while btcd is down retries for about 20
// seconds before failing.
func (n *Node) Client() *rpcclient.Client { return n.client }

// RPCHost returns btcd's RPC address as host:port on 127.0.0.1.
func (n *Node) RPCHost() string { return n.rpcAddr }

// RPCUser returns the RPC user name.
func (n *Node) RPCUser() string { return n.user }

// RPCPass returns the RPC password.
func (n *Node) RPCPass() string { return n.pass }

// CookiePath returns a file holding "user:pass" in the format of bitcoind's
// .cookie, so code that reads bitcoind cookies can authenticate to btcd.
func (n *Node) CookiePath() string { return filepath.Join(n.dir, ".cookie") }

// P2PAddr returns the loopback address btcd listens on for peers.
func (n *Node) P2PAddr() string { return n.p2pAddr }

// Dir returns the node's temporary directory (btcd data, logs, output).
func (n *Node) Dir() string { return n.dir }

func (n *Node) writeCookie() error {
	if err := os.WriteFile(n.CookiePath(), []byte(n.user+":"+n.pass), 0o600); err != nil {
		return fmt.Errorf("regtest: cookie file: %w", err)
	}
	return nil
}

// rawCall makes one JSON-RPC call without the rpcclient's retry loop.
func (n *Node) rawCall(method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return nil, fmt.Errorf("regtest: %s: %w", method, err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+n.rpcAddr, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("regtest: %s: %w", method, err)
	}
	req.SetBasicAuth(n.user, n.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("regtest: %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("regtest: %s: %w", method, err)
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, fmt.Errorf("regtest: %s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if reply.Error != nil {
		return nil, fmt.Errorf("regtest: %s: rpc error %d: %s", method, reply.Error.Code, reply.Error.Message)
	}
	return reply.Result, nil
}
