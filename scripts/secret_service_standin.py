#!/usr/bin/python3
"""A Secret Service whose keyring is locked and whose unlock prompt nobody answers:
every call is answered, but the prompt's Completed signal never comes (as when a
prompt shows on a screen nobody looks at). For the test that the command line gives
up on the keyring in time. Debian's /usr/bin/python3 (python3-gi). Logs each call."""
import sys
from gi.repository import Gio, GLib

ROOT = "/org/freedesktop/secrets"
COLLECTION = ROOT + "/collection/login"
ITEM = COLLECTION + "/1"
PROMPT = ROOT + "/prompt/1"
XML = """<node>
<interface name="org.freedesktop.Secret.Service">
  <method name="OpenSession"><arg type="s" direction="in"/><arg type="v" direction="in"/><arg type="v" direction="out"/><arg type="o" direction="out"/></method>
  <method name="SearchItems"><arg type="a{ss}" direction="in"/><arg type="ao" direction="out"/><arg type="ao" direction="out"/></method>
  <method name="Unlock"><arg type="ao" direction="in"/><arg type="ao" direction="out"/><arg type="o" direction="out"/></method>
  <method name="ReadAlias"><arg type="s" direction="in"/><arg type="o" direction="out"/></method>
  <method name="GetSecrets"><arg type="ao" direction="in"/><arg type="o" direction="in"/><arg type="a{o(oayays)}" direction="out"/></method>
  <property name="Collections" type="ao" access="read"/>
</interface>
<interface name="org.freedesktop.Secret.Collection">
  <method name="SearchItems"><arg type="a{ss}" direction="in"/><arg type="ao" direction="out"/></method>
  <method name="CreateItem"><arg type="a{sv}" direction="in"/><arg type="(oayays)" direction="in"/><arg type="b" direction="in"/><arg type="o" direction="out"/><arg type="o" direction="out"/></method>
  <property name="Items" type="ao" access="read"/>
  <property name="Locked" type="b" access="read"/>
  <property name="Label" type="s" access="read"/>
</interface>
<interface name="org.freedesktop.Secret.Item">
  <method name="GetSecret"><arg type="o" direction="in"/><arg type="(oayays)" direction="out"/></method>
  <method name="Delete"><arg type="o" direction="out"/></method>
  <property name="Locked" type="b" access="read"/>
  <property name="Attributes" type="a{ss}" access="read"/>
  <property name="Label" type="s" access="read"/>
</interface>
<interface name="org.freedesktop.Secret.Prompt">
  <method name="Prompt"><arg type="s" direction="in"/></method>
  <method name="Dismiss"/>
  <signal name="Completed"><arg type="b"/><arg type="v"/></signal>
</interface>
</node>"""
NODE = Gio.DBusNodeInfo.new_for_xml(XML)
LOCKED = GLib.Error.new_literal(Gio.DBusError.quark(), "Object is locked", Gio.DBusError.ACCESS_DENIED)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def on_call(conn, sender, path, iface, method, params, inv):
    log("call", path, iface, method)
    reply = {
        "OpenSession": lambda: GLib.Variant("(vo)", (GLib.Variant("s", ""), ROOT + "/session/1")),
        "ReadAlias": lambda: GLib.Variant("(o)", (COLLECTION,)),
        "Unlock": lambda: GLib.Variant("(aoo)", ([], PROMPT)),
        "CreateItem": lambda: GLib.Variant("(oo)", ("/", PROMPT)),
        "Delete": lambda: GLib.Variant("(o)", (PROMPT,)),
        "Prompt": lambda: None,  # and Completed never comes
        "Dismiss": lambda: None,
    }
    if method == "OpenSession" and params.unpack()[0] != "plain":
        # An encrypted session: any public key will do, since no secret is ever sent.
        key = GLib.Variant("ay", bytes([0x5a] * 128))
        return inv.return_value(GLib.Variant("(vo)", (key, ROOT + "/session/1")))
    if method == "SearchItems":
        out = GLib.Variant("(aoao)", ([], [ITEM])) if iface.endswith("Service") else GLib.Variant("(ao)", ([ITEM],))
        return inv.return_value(out)
    if method in ("GetSecret", "GetSecrets"):
        return inv.return_gerror(LOCKED)
    if method in reply:
        return inv.return_value(reply[method]())
    inv.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def on_get(conn, sender, path, iface, prop):
    log("get", path, iface, prop)
    return {
        "Collections": GLib.Variant("ao", [COLLECTION]),
        "Items": GLib.Variant("ao", [ITEM]),
        "Locked": GLib.Variant("b", True),
        "Label": GLib.Variant("s", "login"),
        "Attributes": GLib.Variant("a{ss}", {}),
    }.get(prop)


def on_bus(conn, name):
    for path, iface in [(ROOT, 0), (COLLECTION, 1), (ROOT + "/aliases/default", 1), (ITEM, 2), (PROMPT, 3)]:
        conn.register_object(path, NODE.interfaces[iface], on_call, on_get, None)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.secrets", Gio.BusNameOwnerFlags.NONE, on_bus, lambda c, n: log("ready"), lambda c, n: sys.exit(1))
GLib.MainLoop().run()
