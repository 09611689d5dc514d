package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
)

// pngOfSize returns a valid square PNG of exactly size bytes: a noise
// image (incompressible, like a photo) stored without compression, as
// large as fits, padded to the byte with a private ancillary chunk that
// every decoder skips. The same seed gives the same bytes.
func pngOfSize(size int, seed uint64) ([]byte, error) {
	const chunkOverhead = 12 // length, type, CRC
	side := 8
	for {
		// Uncompressed RGB: one filter byte per row plus 3 bytes a pixel,
		// and a little for the headers and the zlib stored blocks.
		next := side + 8
		if next*(1+3*next)+next*next*3/65535*5+256 > size {
			break
		}
		side = next
	}
	for ; side > 0; side-- {
		b, err := noisePNG(side, seed)
		if err != nil {
			return nil, err
		}
		if pad := size - len(b) - chunkOverhead; pad >= 0 {
			return padPNG(b, pad), nil
		}
	}
	return nil, fmt.Errorf("no PNG fits in %d bytes", size)
}

func noisePNG(side int, seed uint64) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(seed, 0x62656e6368))
	for i := 0; i < len(img.Pix); i += 4 {
		v := r.Uint32()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(v), byte(v>>8), byte(v>>16), 0xff
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// padPNG inserts a private ancillary chunk of n zero bytes right after
// IHDR (signature 8 bytes + IHDR chunk 25 bytes), where decoders skip it.
func padPNG(b []byte, n int) []byte {
	const afterIHDR = 8 + 25
	chunk := make([]byte, 12+n)
	binary.BigEndian.PutUint32(chunk, uint32(n))
	copy(chunk[4:], "bnPd") // ancillary, private, safe to copy
	crc := crc32.ChecksumIEEE(chunk[4 : 8+n])
	binary.BigEndian.PutUint32(chunk[8+n:], crc)
	out := make([]byte, 0, len(b)+len(chunk))
	out = append(out, b[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, b[afterIHDR:]...)
}
