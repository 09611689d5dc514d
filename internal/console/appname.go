package console

import "time"

// mobilePayToVipps is when MobilePay becomes Vipps in Denmark and Finland:
// 12 January 2027, at midnight in Copenhagen (UTC+1 in winter).
var mobilePayToVipps = time.Date(2027, 1, 12, 0, 0, 0, 0, time.FixedZone("CET", 3600))

// AppName is the name of the app the customers of a market use at time t:
// "Vipps" in Norway and Sweden, "MobilePay" in Denmark and Finland until
// MobilePay becomes Vipps there. overrides (from the configuration) win.
func AppName(market string, t time.Time, overrides map[string]string) string {
	if n, ok := overrides[market]; ok && n != "" {
		return n
	}
	switch market {
	case "DK", "FI":
		if t.Before(mobilePayToVipps) {
			return "MobilePay"
		}
	}
	return "Vipps"
}

// market is the market of a merchant: configured, else guessed from the
// receipt's currency (DKK is Denmark, EUR Finland), else Norway.
func (c *Console) market(msn, currency string) string {
	if m, ok := c.opts.Markets[msn]; ok {
		return m
	}
	switch currency {
	case "DKK":
		return "DK"
	case "EUR":
		return "FI"
	}
	return "NO"
}

// appName is the app name for a merchant's customers now.
func (c *Console) appName(msn, currency string) string {
	return AppName(c.market(msn, currency), c.now(), c.opts.AppNames)
}
