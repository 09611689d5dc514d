package bench

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync"
	"time"
)

// rssProbe measures the peak resident memory of one process on Linux. It
// resets the kernel's high-water mark (VmHWM) when a scenario starts and
// reads it at the end, and also samples VmRSS every few milliseconds in
// case the reset is refused; the peak is the larger of the two.
type rssProbe struct {
	pid  string // "self" or a process id
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	sampled int64
}

// newRSSProbe returns a probe of the process pid ("self" for this one).
func newRSSProbe(pid string) *rssProbe { return &rssProbe{pid: pid} }

// start resets the high-water mark and begins sampling.
func (p *rssProbe) start() {
	// "5" resets the peak RSS to the current RSS (Linux ≥ 4.0); refused
	// for processes we do not own, in which case sampling still works.
	_ = os.WriteFile("/proc/"+p.pid+"/clear_refs", []byte("5"), 0)
	p.sampled = 0
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := readStatus(p.pid); err == nil {
				p.mu.Lock()
				p.sampled = max(p.sampled, rss)
				p.mu.Unlock()
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// peak stops sampling and returns the peak RSS in bytes since start, or
// 0 when the process's status cannot be read (not Linux).
func (p *rssProbe) peak() int64 {
	close(p.stop)
	<-p.done
	_, hwm, err := readStatus(p.pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		return p.sampled
	}
	return max(hwm, p.sampled)
}

// readStatus returns VmRSS and VmHWM of a process in bytes.
func readStatus(pid string) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	found := 0
	for sc.Scan() {
		name, value, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		default:
			continue
		}
		f := bytes.Fields(value) // "12345 kB"
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, 0, errors.New("unexpected " + string(name) + " line in /proc/" + pid + "/status")
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		*dst = kb << 10
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no VmRSS/VmHWM in /proc/" + pid + "/status")
	}
	return rss, hwm, nil
}

// clockTick is the unit of /proc/<pid>/stat times: USER_HZ, 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// processCPU returns the user and system CPU time a process has used,
// all its threads included.
func processCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, the 12th and 13th after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/" + pid + "/stat")
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/" + pid + "/stat")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
