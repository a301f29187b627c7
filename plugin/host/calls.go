package host

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/atlasd/atlasd/plugin/driver"
)

// call runs op on a running instance. If the process died under the call, the
// supervisor is told at once and op runs once more on the next instance:
// every operation in the contract is idempotent, so a repeat is harmless.
func (h *Host) call(ctx context.Context, op func(driver.Driver) error) error {
	inst, err := h.acquire(ctx, nil)
	if err != nil {
		return err
	}
	err = h.invoke(ctx, inst, op)
	if !errors.Is(err, driver.ErrPluginShutdown) {
		return err
	}
	report(h.suspect, inst)
	next, aerr := h.acquire(ctx, inst)
	if aerr != nil {
		return fmt.Errorf("%w; no restarted driver to retry on: %w", err, aerr)
	}
	return h.invoke(ctx, next, op)
}

// invoke runs op on inst. A call that used up its caller's deadline gets
// inst probed: a slow plugin answers the probe and is left alone, a hung
// one does not and is replaced. Without the probe a hung plugin would fail
// every call by timeout, for good, as its process never exits.
func (h *Host) invoke(ctx context.Context, inst *instance, op func(driver.Driver) error) error {
	err := op(inst.drv)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, driver.ErrPluginShutdown) {
		report(h.probe, inst)
	}
	return err
}

// report hands inst to the supervisor without waiting.
func report(ch chan *instance, inst *instance) {
	select {
	case ch <- inst:
	default: // a report is already pending
	}
}

// Describe implements driver.Driver.
func (h *Host) Describe(ctx context.Context) (driver.Description, error) {
	var d driver.Description
	err := h.call(ctx, func(drv driver.Driver) (err error) {
		d, err = drv.Describe(ctx)
		return err
	})
	return d, err
}

// Configure implements driver.Driver. The new settings are kept only if the
// running driver accepts them, and are then used for every later restart.
func (h *Host) Configure(ctx context.Context, req driver.ConfigureRequest) error {
	settings := maps.Clone(req.Settings)
	err := h.call(ctx, func(drv driver.Driver) error {
		return drv.Configure(ctx, driver.ConfigureRequest{Settings: settings})
	})
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.settings = settings
	h.mu.Unlock()
	return nil
}

// Put implements driver.Driver.
func (h *Host) Put(ctx context.Context, req driver.PutRequest) error {
	return h.call(ctx, func(drv driver.Driver) error { return drv.Put(ctx, req) })
}

// Get implements driver.Driver.
func (h *Host) Get(ctx context.Context, req driver.GetRequest) (driver.GetResponse, error) {
	var resp driver.GetResponse
	err := h.call(ctx, func(drv driver.Driver) (err error) {
		resp, err = drv.Get(ctx, req)
		return err
	})
	return resp, err
}

// Stat implements driver.Driver.
func (h *Host) Stat(ctx context.Context, req driver.StatRequest) (driver.StatResponse, error) {
	var resp driver.StatResponse
	err := h.call(ctx, func(drv driver.Driver) (err error) {
		resp, err = drv.Stat(ctx, req)
		return err
	})
	return resp, err
}

// List implements driver.Driver.
func (h *Host) List(ctx context.Context, req driver.ListRequest) (driver.ListResponse, error) {
	var resp driver.ListResponse
	err := h.call(ctx, func(drv driver.Driver) (err error) {
		resp, err = drv.List(ctx, req)
		return err
	})
	return resp, err
}
