package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Sizes of the reference server's work: it answers GET with a fixed
// JSON body of referenceGetSize bytes and reads POST bodies of
// referencePostSize bytes, about what a GET order answers and a receipt
// sends.
const (
	referenceGetSize  = 1024
	referencePostSize = 2048
)

// ReferenceHandler is the yardstick: a bare net/http handler that answers
// GET with a fixed 1 KB JSON body and POST by reading the body and
// answering 201. It does no work a server could skip, so its requests/s is
// what the machine, the Go HTTP stack and the load generator allow.
func ReferenceHandler() http.Handler {
	body := referenceBody(referenceGetSize)
	length := strconv.Itoa(len(body))
	bufs := sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 4096)) }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		switch r.Method {
		case http.MethodGet:
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{length}
			w.Write(body)
		case http.MethodPost:
			buf := bufs.Get().(*bytes.Buffer)
			buf.Reset()
			_, err := io.Copy(buf, io.LimitReader(r.Body, 1<<20))
			bufs.Put(buf)
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			h["Content-Type"] = []string{"application/json"}
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`"ok"`))
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
}

// referenceBody returns a JSON object of exactly n bytes (n ≥ 16).
func referenceBody(n int) []byte {
	b, _ := json.Marshal(map[string]string{"data": ""})
	pad := n - len(b)
	b, _ = json.Marshal(map[string]string{"data": strings.Repeat("x", pad)})
	return b
}
