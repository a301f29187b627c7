// Package soakreport collects the outcome of each `make soak` scenario into
// one file so that scripts/soak.sh can print a single summary table at the
// end, whichever packages the scenarios live in.
//
// Soak scenarios are ordinary Go tests behind the "soak" build tag, kept
// beside the code and test helpers they exercise. Each calls Record once
// with its figures; outside `make soak` (ATLASD_SOAK_REPORT unset) Record
// only logs the row.
package soakreport
