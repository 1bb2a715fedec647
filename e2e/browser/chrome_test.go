package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium tab and the problems it reported:
// console errors, uncaught exceptions, failed or refused requests.
type browser struct {
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

// chromiumPath finds Debian's chromium (RAFTVEC_CHROMIUM overrides).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RAFTVEC_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("chromium not found: run scripts/chromium.sh install (make test-minio does)")
	return ""
}

// newBrowser starts Chromium headless with the flags this machine's closed
// network needs, and records every problem the pages report.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{ctx: ctx, base: base}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.problem("console.%s: %s", e.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.problem("uncaught exception: %s", exceptionText(e.ExceptionDetails))
		case *network.EventLoadingFailed:
			b.problem("request failed: %s (%s)", e.ErrorText, e.RequestID)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				b.problem("HTTP %d for %s", e.Response.Status, e.Response.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return b
}

func (b *browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

// checkClean fails the test on any problem the pages reported so far.
func (b *browser) checkClean(t *testing.T, page string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errs) > 0 {
		t.Fatalf("%s: the browser reported %d problems:\n%s", page, len(b.errs), strings.Join(b.errs, "\n"))
	}
}

// open navigates to a console page (#/...).
func (b *browser) open(t *testing.T, hash string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.base+"/console/#/"+hash)); err != nil {
		t.Fatalf("open %s: %v", hash, err)
	}
}

// text returns the visible text of the first element matching sel ("" if
// none yet).
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// count returns how many elements match sel.
func (b *browser) count(t *testing.T, sel string) int {
	t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatalf("counting %s: %v", sel, err)
	}
	return n
}

// waitText waits until sel's text contains every want (30 s at most).
func (b *browser) waitText(t *testing.T, sel string, want ...string) string {
	t.Helper()
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got = b.text(t, sel)
		missing := false
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = true
			}
		}
		if !missing {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; it shows:\n%s", sel, want, got)
	return ""
}

// screenshot saves the whole page as name.png under the screenshot dir.
func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// screenshotDir is $RAFTVEC_SCREENSHOTS, or a temp dir of the test.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("RAFTVEC_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runJS evaluates an expression in the page that returns true.
func runJS(b *browser, js string) error {
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err == nil && !ok {
		err = fmt.Errorf("%s returned false", js)
	}
	return err
}

func exceptionText(d *runtime.ExceptionDetails) string {
	s := d.Text
	if d.Exception != nil {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", s, d.URL, d.LineNumber)
}
