package console

import "testing"

func TestHTTPSLink(t *testing.T) {
	for _, tc := range []struct {
		in   string
		link bool
	}{
		{"https://shop.example/o/1?x=%20y#top", true},
		{"https://shop.example:8443/o", true},
		{"http://shop.example/o", false},
		{"javascript:alert(1)", false},
		{`https://shop.example/"><script>alert(1)</script>`, false},
		{"https://shop.example/a b", false},
		{"https://user:pw@shop.example/", false},
		{"https:///nohost", false},
		{"https://shop.example/\u202e", false},
		{"//shop.example/", false},
		{"", false},
	} {
		if got := httpsLink(tc.in) != ""; got != tc.link {
			t.Errorf("httpsLink(%q) is a link: %v, want %v", tc.in, got, tc.link)
		}
	}
}
