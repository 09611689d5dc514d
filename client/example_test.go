package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

func ExampleNewReceipt() {
	r, err := client.NewReceipt("NOK").
		AddLine(client.LineSpec{Name: "Coffee beans", ID: "cb-1", UnitPrice: 3333, Quantity: "3", TaxRate: 1500}).
		AddLine(client.LineSpec{Name: "Grinder", ID: "gr-1", UnitPrice: 99900, Discount: 10000, TaxRate: 2500}).
		AddShipping(client.LineSpec{UnitPrice: 4900, TaxRate: 2500}).
		Build()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range r.OrderLines {
		fmt.Printf("%-12s total %6d = net %6d + tax %5d\n", l.Name, l.TotalAmount, l.TotalAmountExcludingTax, l.TotalTaxAmount)
	}
	t := r.Totals()
	fmt.Println("total", api.FormatAmount(t.Total, t.Currency), "of which VAT", api.FormatAmount(t.VAT, t.Currency))
	// Output:
	// Coffee beans total   9999 = net   8695 + tax  1304
	// Grinder      total  89900 = net  71920 + tax 17980
	// Shipping     total   4900 = net   3920 + tax   980
	// total 1047.99 NOK of which VAT 202.64 NOK
}

func ExampleClient_AddReceipt() {
	c, err := client.New(client.Config{
		BaseURL:         "http://127.0.0.1:8080", // or client.EnvTest, client.EnvProduction
		ClientID:        "client-id",
		ClientSecret:    "client-secret",
		SubscriptionKey: "subscription-key",
		MSN:             "123456",
		System:          client.System{Name: "acme-shop", Version: "2.3.1"},
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := client.NewReceipt("NOK").
		AddLine(client.LineSpec{Name: "Socks", ID: "sku-1", UnitPrice: 9900, Quantity: "2", TaxRate: 2500}).
		Build()
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.AddReceipt(context.Background(), api.PaymentTypeECOM, "order-123", r)
	switch {
	case errors.Is(err, api.ErrConflict):
		// A receipt is stored once; branch on the kind, never on the text.
		fmt.Println(client.UserMessage(err))
	case err != nil:
		fmt.Println(client.UserMessage(err), "trace id:", client.TraceID(err))
	default:
		fmt.Println("stored", res.ID, res.Warnings)
	}
}
