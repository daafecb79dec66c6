#!/usr/bin/python3
"""Reads and works the window a process shows, the way assistive technology does:
through AT-SPI (WebKitGTK exposes each page's accessible tree there), so a test can
check a window running in any process, including a window process started by the
tray, where WebDriver does not reach. Debian's /usr/bin/python3 with python3-pyatspi.

    atspi.py PID dump               the process's windows as JSON lines: role, name, text
    atspi.py PID press NAME         presses the button named NAME
    atspi.py PID set LABEL VALUE    puts VALUE in the entry labelled LABEL (typed, where
                                    the entry takes no text from outside)
    atspi.py PID set LABEL VALUE --tab   …then presses Tab, as a user moving on does
                                    (the page sees the change)
    atspi.py PID where TEXT         where the smallest object whose name or text holds
                                    TEXT is on screen, and where the page's view is:
                                    JSON {"node": [x, y, w, h], "view": [x, y, w, h]}
    atspi.py PID focused            the same for the object that has the keyboard focus
    atspi.py PID place LABEL        the same for the entry labelled LABEL ("focused": true
                                    when it has the focus)

Exits 1 (and says why on stderr) when the process shows nothing yet or the control
is not there, so a caller can retry within its own time limit.
"""
import json
import sys
import time

import pyatspi

MAX_DEPTH = 60
OBJECT = "\ufffc"  # stands for an embedded child in a container's text


def pid_of(app):
    try:
        return app.get_process_id() if app is not None else None
    except Exception:  # an application that went away while listed
        return None


def app_of(pid):
    return next((app for app in pyatspi.Registry.getDesktop(0) if pid_of(app) == pid), None)


def text_of(node):
    try:
        t = node.queryText()
        return t.getText(0, -1).replace(OBJECT, "").strip()
    except NotImplementedError:
        return ""
    except Exception:
        return ""


def walk(node, depth=0):
    if node is None or depth > MAX_DEPTH:
        return
    # Not pruned by SHOWING: the toolkit's fillers above the page and cards scrolled
    # out of view are not "showing"; what the page hides is not in the tree at all.
    try:
        if node.getState().contains(pyatspi.STATE_DEFUNCT):
            return
    except Exception:
        return
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        yield from walk(child, depth + 1)


def nodes(pid):
    app = app_of(pid)
    if app is None:
        listed = sorted(p for p in (pid_of(a) for a in pyatspi.Registry.getDesktop(0)) if p)
        sys.exit(f"atspi: process {pid} shows nothing on the accessibility bus (yet); it lists processes {listed}")
    return list(walk(app))


def label_of(node):
    """The entry's accessible name, or the name of the label pointing at it."""
    if node.name:
        return node.name
    try:
        for rel in node.getRelationSet():
            if rel.getRelationType() == pyatspi.RELATION_LABELLED_BY:
                return " ".join(rel.getTarget(i).name for i in range(rel.getNTargets()))
    except Exception:
        pass
    return ""


def find(pid, roles, name):
    for n in nodes(pid):
        if n.getRoleName() in roles and (n.name == name or label_of(n) == name):
            return n
    sys.exit(f"atspi: no {'/'.join(roles)} named {name!r} in process {pid}")


# X keycodes of the standard (evdev) keymap, as Xvfb has it.
CONTROL_L, KEY_A = 37, 38
TAB = 0xFF09  # XK_Tab, sent as a keysym


def type_into(node, text):
    """Focuses the entry, selects what it holds and types `text` over it, as a user
    does (number inputs take no EditableText)."""
    node.queryComponent().grabFocus()
    for _ in range(30):
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            break
        time.sleep(0.1)
    else:
        sys.exit("atspi: the entry did not take the focus")
    pyatspi.Registry.generateKeyboardEvent(CONTROL_L, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(KEY_A, None, pyatspi.KEY_PRESSRELEASE)
    pyatspi.Registry.generateKeyboardEvent(CONTROL_L, None, pyatspi.KEY_RELEASE)
    pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)
    # A password field shows one bullet per character typed.
    hidden = node.getRoleName() == "password text"
    for _ in range(30):
        shown = text_of(node)
        if shown == text or (hidden and len(shown) == len(text) and set(shown) <= {"•", "*", "●"}):
            return
        time.sleep(0.1)
    sys.exit(f"atspi: the entry shows {text_of(node)!r} after typing {text!r}")


def extents(node):
    e = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return [e.x, e.y, e.width, e.height]


def placed(found, node):
    """Prints where `node` is and the part of the page the window shows (the page's
    extents are its whole length, scrolled; the window's frame cuts them)."""
    page = next((n for n in found if n.getRoleName() == "document web"), None)
    frame = next((n for n in found if n.getRoleName() == "frame"), None)
    if page is None or frame is None:
        sys.exit("atspi: no page (yet)")
    (px, py, pw, ph), (fx, fy, fw, fh) = extents(page), extents(frame)
    x, y = max(px, fx), max(py, fy)
    view = [x, y, min(px + pw, fx + fw) - x, min(py + ph, fy + fh) - y]
    focused = node.getState().contains(pyatspi.STATE_FOCUSED)
    print(json.dumps({"node": extents(node), "view": view, "role": node.getRoleName(), "name": node.name, "focused": focused}))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    pid, command, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if command == "dump":
        found = nodes(pid)
        if not any(n.getRoleName() == "document web" for n in found):
            roles = sorted({n.getRoleName() for n in found})
            apps = [(pid_of(a), a.name, a.childCount) for a in pyatspi.Registry.getDesktop(0)]
            sys.exit(f"atspi: process {pid} shows no page (yet); its tree has {len(found)} objects: {', '.join(roles)}; "
                     f"the registry lists (pid, name, children) {apps}")
        for n in found:
            print(json.dumps({"role": n.getRoleName(), "name": n.name, "text": text_of(n)}))
    elif command == "press":
        node = find(pid, ("push button", "button", "toggle button", "check box", "link"), args[0])
        node.queryAction().doAction(0)
    elif command == "set":
        node = find(pid, ("entry", "spin button", "password text", "text"), args[0])
        try:
            node.queryEditableText().setTextContents(args[1])
        except NotImplementedError:
            type_into(node, args[1])
        if "--tab" in args[2:]:
            node.queryComponent().grabFocus()
            time.sleep(0.2)
            pyatspi.Registry.generateKeyboardEvent(TAB, None, pyatspi.KEY_SYM)
    elif command == "where":
        found = nodes(pid)
        matches = [n for n in found if args[0] in (n.name or "") or args[0] in text_of(n)]
        if not matches:
            sys.exit(f"atspi: nothing shows {args[0]!r} in process {pid}")
        placed(found, min(matches, key=lambda n: extents(n)[2] * extents(n)[3]))
    elif command == "place":
        placed(nodes(pid), find(pid, ("entry", "spin button", "password text", "text"), args[0]))
    elif command == "focused":
        found = nodes(pid)
        node = next((n for n in found if n.getState().contains(pyatspi.STATE_FOCUSED)), None)
        if node is None:
            sys.exit(f"atspi: nothing has the focus in process {pid}")
        placed(found, node)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
