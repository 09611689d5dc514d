package server

import (
	"net/http"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// v3CategoriesPath is the collection of v3 categories; a category's URL,
// sent as Location, is this path and its id.
const v3CategoriesPath = "/order-management/v3/categories"

// addCategory answers POST /order-management/v3/categories: every POST
// adds a category with a new id, to the order's categories that v2 shares.
func (s *Server) addCategory(w http.ResponseWriter, r *http.Request, in *input) error {
	req, err := api.DecodeAddCategory(in.body)
	if err != nil {
		return err
	}
	c := &store.Category{
		Key: store.OrderKey{MSN: in.msn, PaymentType: req.PaymentType, OrderID: req.OrderID},
		ID:  s.newID(),
		// The v2 shape is what the store keeps and v2 GET shows.
		Category: api.Category{Category: req.Type, OrderDetailsURL: req.URL, ImageID: req.ImageID},
		Meta:     s.meta(r, in),
	}
	if err := s.store.AddCategory(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", v3CategoriesPath+"/"+c.ID)
	writeJSON(w, http.StatusCreated, "application/json", api.AddCategoryResponse{CategoryID: c.ID})
	return nil
}

// getCategories answers GET /order-management/v3/categories?orderId=.
func (s *Server) getCategories(w http.ResponseWriter, r *http.Request, in *input) error {
	orderID := r.URL.Query().Get("orderId")
	if err := api.Invalid(api.CheckOrderID(orderID)); err != nil {
		return err
	}
	cs, err := s.store.ListCategories(r.Context(), in.msn, orderID)
	if err != nil {
		return err
	}
	list := api.CategoryList{Categories: make([]api.CategoryV3, len(cs))}
	for i, c := range cs {
		list.Categories[i] = categoryV3(c)
	}
	writeJSON(w, http.StatusOK, "application/json", list)
	return nil
}

// getCategory answers GET /order-management/v3/categories/{categoryId}.
func (s *Server) getCategory(w http.ResponseWriter, r *http.Request, in *input) error {
	id, err := api.CheckCategoryID(r.PathValue("categoryId"))
	if err != nil {
		return err
	}
	c, err := s.store.GetCategory(r.Context(), in.msn, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", categoryV3(c))
	return nil
}

// deleteCategory answers DELETE /order-management/v3/categories/{categoryId}
// with 200 and an empty body, as the official API does.
func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request, in *input) error {
	id, err := api.CheckCategoryID(r.PathValue("categoryId"))
	if err != nil {
		return err
	}
	if err := s.store.DeleteCategory(r.Context(), in.msn, id); err != nil {
		return err
	}
	w.Header()["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusOK)
	return nil
}

// categoryV3 is a stored category as v3 shows it.
func categoryV3(c *store.Category) api.CategoryV3 {
	return api.CategoryV3{
		CategoryID: c.ID, OrderID: c.Key.OrderID, PaymentType: c.Key.PaymentType,
		Type: c.Category.Category, URL: c.Category.OrderDetailsURL, ImageID: c.Category.ImageID,
	}
}

// gone answers the deprecated v1 order and receipt paths, for any method,
// as the gateway answers an operation it lacks: the official document
// marks them "No longer available".
func (s *Server) gone(w http.ResponseWriter, r *http.Request, _ *input) error {
	return gateway(http.StatusNotFound, api.CodeRouteNotFound, "Resource not found")
}
