package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Credentials are what the bench asks a token with. Sandbox mode takes
// any; a --target in configured mode needs real ones.
type Credentials struct {
	ClientID        string
	ClientSecret    string
	SubscriptionKey string
	MSN             string
}

// DefaultCredentials are used when none are given.
var DefaultCredentials = Credentials{ClientID: "bench", ClientSecret: "bench", SubscriptionKey: "bench-key", MSN: "123456"}

// setupClient makes the calls that prepare a server: a token, the image
// categories name, the orders GET reads.
type setupClient struct {
	base *url.URL
}

func (s *setupClient) call(c *conn, method, path string, header, body []byte, want int) ([]byte, error) {
	req := &request{method: method, path: path, header: header, want: want}
	req.body[0] = body
	resp, err := c.do(req, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.status != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.status, want, oneLine(resp.body))
	}
	return append([]byte(nil), resp.body...), nil
}

// token gets an access token and returns the header lines every
// order-management request carries.
func (s *setupClient) token(cred Credentials) ([]byte, error) {
	c := newConn(s.base, 30*time.Second)
	defer c.close()
	h := "client_id: " + cred.ClientID + "\r\nclient_secret: " + cred.ClientSecret +
		"\r\nOcp-Apim-Subscription-Key: " + cred.SubscriptionKey + "\r\nMerchant-Serial-Number: " + cred.MSN + "\r\n"
	body, err := s.call(c, "POST", "/accesstoken/get", []byte(h), nil, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("get a token: %w", err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, fmt.Errorf("get a token: no access_token in %s", oneLine(body))
	}
	return []byte("Authorization: Bearer " + tr.AccessToken +
		"\r\nOcp-Apim-Subscription-Key: " + cred.SubscriptionKey +
		"\r\nMerchant-Serial-Number: " + cred.MSN +
		"\r\nContent-Type: application/json" +
		"\r\nVipps-System-Name: ordermgmt-bench\r\nVipps-System-Version: 1.0\r\n"), nil
}

// uploadImage stores the small image that categories name; a 409 means an
// earlier run against the same target stored it already.
func (s *setupClient) uploadImage(header []byte) error {
	png, err := pngOfSize(logoSize, 1)
	if err != nil {
		return err
	}
	body := []byte(`{"imageId":"` + imageID + `","type":"base64","src":"` + base64.StdEncoding.EncodeToString(png) + `"}`)
	c := newConn(s.base, 30*time.Second)
	defer c.close()
	req := &request{method: "POST", path: "/order-management/v1/images", header: header, want: http.StatusOK}
	req.body[0] = body
	resp, err := c.do(req, 4096)
	switch {
	case err != nil:
		return fmt.Errorf("upload image: %w", err)
	case resp.status != http.StatusOK && resp.status != http.StatusConflict:
		return fmt.Errorf("upload image: status %d: %s", resp.status, oneLine(resp.body))
	}
	return nil
}

// preload stores n orders (receipt and category each) with ids
// prefix+"o"+i, over a few connections, and returns their ids.
func (s *setupClient) preload(ctx context.Context, header []byte, prefix, ptype string, n int, receipt []byte) ([]string, error) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + "o" + strconv.Itoa(i)
	}
	const conns = 16
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newConn(s.base, 30*time.Second)
			defer c.close()
			for i := w; i < n; i += conns {
				if ctx.Err() != nil {
					return
				}
				id := ids[i]
				_, err := s.call(c, "POST", "/order-management/v2/"+ptype+"/receipts/"+id, header, receipt, http.StatusCreated)
				if err == nil {
					_, err = s.call(c, "PUT", "/order-management/v2/"+ptype+"/categories/"+id, header, categoryBody(id), http.StatusOK)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("preload orders: %w", err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return ids, ctx.Err()
}

// orderPaths returns the GET and PUT category paths of ids.
func orderPaths(ptype string, ids []string) (get, cat [][]byte) {
	get = make([][]byte, len(ids))
	cat = make([][]byte, len(ids))
	for i, id := range ids {
		get[i] = []byte("/order-management/v2/" + ptype + "/" + id)
		cat[i] = []byte("/order-management/v2/" + ptype + "/categories/" + id)
	}
	return get, cat
}
