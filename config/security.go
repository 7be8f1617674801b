package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// DefaultMetricsAddr is where the Prometheus series are served unless
// CANDOUR_METRICS_ADDR says otherwise: loopback only, never the portal's
// public port.
const DefaultMetricsAddr = "127.0.0.1:9464"

// loadSecurityConfig reads the metrics listener and the trusted proxies.
func loadSecurityConfig(getenv func(string) string, c *Config) error {
	c.MetricsAddr = DefaultMetricsAddr
	if v, set := lookup(getenv, "CANDOUR_METRICS_ADDR"); set {
		c.MetricsAddr = strings.TrimSpace(v) // empty: no metrics listener
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return fmt.Errorf("CANDOUR_METRICS_ADDR: %q must be host:port, like 127.0.0.1:9464 (or empty to turn metrics off)", c.MetricsAddr)
		}
	}
	c.TrustedProxies = nil
	for _, f := range strings.FieldsFunc(getenv("CANDOUR_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return fmt.Errorf("CANDOUR_TRUSTED_PROXIES: %q is not an address or a CIDR range like 10.0.0.0/8", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked().String())
	}
	return nil
}

// lookup tells an empty variable from an unset one. getenv has no second
// result, so an explicitly empty value is written as "-" or "off" too.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return "", false
	case "-", "off", "none":
		return "", true
	}
	return v, true
}
