#!/usr/bin/python3
"""X11 top-level windows for headless tests (Debian's /usr/bin/python3, python3-xlib).

  xwin.py list               one line per viewable window: ID<TAB>PID<TAB>TITLE
  xwin.py class PID          WM_CLASS of that process's viewable windows: INSTANCE<TAB>CLASS
  xwin.py close TITLE [PID]  ask each viewable window with that exact title (and
                             _NET_WM_PID) to close, as a window manager's close button
                             does: a WM_DELETE_WINDOW client message. Exit 1 if none.
"""
import sys

from Xlib import X, display
from Xlib.protocol import event


def windows(d):
    """Viewable top-level windows as (window, pid, title). Xvfb runs no window
    manager, so top-levels are the root's children."""
    utf8, net_name, net_pid = (d.intern_atom(a) for a in ("UTF8_STRING", "_NET_WM_NAME", "_NET_WM_PID"))
    for w in d.screen().root.query_tree().children:
        try:
            if w.get_attributes().map_state != X.IsViewable:
                continue
            prop = w.get_full_property(net_name, utf8)
            title = prop.value.decode("utf-8", "replace") if prop else (w.get_wm_name() or "")
            if isinstance(title, bytes):
                title = title.decode("latin-1")
            prop = w.get_full_property(net_pid, X.AnyPropertyType)
            yield w, (int(prop.value[0]) if prop else 0), title
        except Exception:  # the window went away meanwhile
            continue


def main(argv):
    d = display.Display()
    if argv[:1] == ["list"]:
        for w, pid, title in windows(d):
            print(f"{w.id}\t{pid}\t{title}")
        return 0
    if argv[:1] == ["class"] and len(argv) == 2:
        found = 0
        for w, pid, _title in windows(d):
            if str(pid) == argv[1]:
                wm_class = w.get_wm_class()
                if wm_class:
                    print(f"{wm_class[0]}\t{wm_class[1]}")
                    found += 1
        return 0 if found else 1
    if argv[:1] == ["close"] and len(argv) in (2, 3):
        protocols, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
        closed = 0
        for w, pid, title in list(windows(d)):
            if title == argv[1] and (len(argv) == 2 or str(pid) == argv[2]):
                msg = event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
                w.send_event(msg, event_mask=X.NoEventMask)
                closed += 1
        d.flush()
        d.close()
        return 0 if closed else 1
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
