package backup

import "github.com/prometheus/client_golang/prometheus"

// collector exports Status on every scrape; there is no polling goroutine
// and no second copy of the counters to drift.
type collector struct{ m *Manager }

var (
	descQueued = prometheus.NewDesc("atlasd_backup_queue_depth",
		"Zonefiles waiting for upload to the backup driver.", []string{"driver"}, nil)
	descInFlight = prometheus.NewDesc("atlasd_backup_uploads_in_flight",
		"Uploads to the backup driver running now.", []string{"driver"}, nil)
	descUploaded = prometheus.NewDesc("atlasd_backup_uploaded_total",
		"Zonefiles the backup driver acknowledged.", []string{"driver"}, nil)
	descFailed = prometheus.NewDesc("atlasd_backup_upload_failures_total",
		"Failed upload attempts; each is retried.", []string{"driver"}, nil)
	descDropped = prometheus.NewDesc("atlasd_backup_dropped_total",
		"Queued uploads given up for good.", []string{"driver"}, nil)
	descRestored = prometheus.NewDesc("atlasd_backup_restored_total",
		"Zonefiles restored from the backup driver.", []string{"driver"}, nil)
	descCorrupt = prometheus.NewDesc("atlasd_backup_corrupt_total",
		"Blobs from the backup driver whose bytes did not match their hash.", []string{"driver"}, nil)
	descLastSuccess = prometheus.NewDesc("atlasd_backup_last_success_timestamp_seconds",
		"When an upload to the backup driver last got through; 0 if never.", []string{"driver"}, nil)
	descLastError = prometheus.NewDesc("atlasd_backup_last_error_timestamp_seconds",
		"When the backup driver last failed; 0 if never.", []string{"driver"}, nil)
	descFailedState = prometheus.NewDesc("atlasd_backup_driver_failed",
		"1 when the backup driver was refused for good (checksum or settings).", []string{"driver"}, nil)
)

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueued, descInFlight, descUploaded, descFailed, descDropped,
		descRestored, descCorrupt, descLastSuccess, descLastError, descFailedState} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.m.Status() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, s.Name)
		}
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.Name)
		}
		gauge(descQueued, float64(s.Queued))
		gauge(descInFlight, float64(s.InFlight))
		counter(descUploaded, s.Uploaded)
		counter(descFailed, s.Failed)
		counter(descDropped, s.Dropped)
		counter(descRestored, s.Restored)
		counter(descCorrupt, s.Corrupt)
		gauge(descLastSuccess, unixSeconds(s.LastSuccessAt))
		gauge(descLastError, unixSeconds(s.LastErrorAt))
		failed := 0.0
		if s.State == StateFailed {
			failed = 1
		}
		gauge(descFailedState, failed)
	}
}
