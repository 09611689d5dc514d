// Package client is the Go SDK for the Order Management API: the access
// token, images, order categories, receipts and orders, for the real
// service (https://api.vipps.no) and for the ordermgmt sandbox alike.
//
// The client makes the items of the integration checklist true for its
// users: tokens are fetched lazily, cached until shortly before they expire
// and fetched once however many calls run at the same time; every request,
// the token request included, carries the subscription key, the merchant
// serial number and the Vipps-System-* headers; network errors, 5xx and 429
// answers are retried with exponential backoff and jitter, while other 4xx
// answers never are; a receipt is never stored twice, and a retried receipt
// that meets a 409 is checked against the stored one; every non-2xx answer
// becomes one error type, *Error, that errors.Is matches against the api
// error kinds and that gives a sentence a support agent understands.
//
// ReceiptBuilder makes receipts whose lines add up exactly from gross unit
// prices, and ImageFromFile checks an image before it is uploaded.
//
//	c, err := client.New(client.Config{
//		BaseURL:         client.EnvTest, // or "production", or any URL
//		ClientID:        id,
//		ClientSecret:    secret,
//		SubscriptionKey: key,
//		MSN:             "123456",
//		System:          client.System{Name: "acme", Version: "1.4.0"},
//	})
//	...
//	r, err := client.NewReceipt("NOK").
//		AddLine(client.LineSpec{Name: "Socks", ID: "sku-1", UnitPrice: 9900, Quantity: "2", TaxRate: 2500}).
//		Build()
//	...
//	res, err := c.AddReceipt(ctx, api.PaymentTypeECOM, "order-123", r)
package client
