package console

import "net/http"

// customerPage answers GET .../customer: what the customer sees in the app,
// phone sized, from the same order and the same sums as the order page.
func (c *Console) customerPage(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	p, _ := c.loadOrder(r.Context(), key)
	c.render(w, r, s, http.StatusOK, "customer", "Customer view of "+key.OrderID, p)
	return nil
}
