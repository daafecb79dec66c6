# Sourced inside a session from session.sh: a real tray host, Debian's xfce4-panel,
# with one panel along the top that holds only the systray plugin (which shows
# StatusNotifierItems), seeded through its xfconf channel.

# start_panel light|dark SIZE: a panel SIZE + 8 px high with tray icons of SIZE px.
start_panel() {
  local theme=$1 size=$2 channel="$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
  mkdir -p "$channel"
  local dark=false; [ "$theme" = dark ] && dark=true
  sed -e "s/@DARK@/$dark/" -e "s/@PANEL_SIZE@/$((size + 8))/" -e "s/@ICON_SIZE@/$size/" \
    "$(dirname "${BASH_SOURCE[0]}")/xfce4-panel.xml.in" >"$channel/xfce4-panel.xml"
  local gtk=Adwaita; [ "$theme" = dark ] && gtk=Adwaita:dark
  /usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd >"$SESSION_TMP/xfconfd.log" 2>&1 &
  XFCONFD=$!
  wait_for "xfconfd on the session bus" 20 bus_has org.xfce.Xfconf
  GTK_THEME=$gtk xfce4-panel --disable-wm-check >"$SESSION_TMP/panel.log" 2>&1 &
  PANEL=$!
  wait_for "the xfce4-panel window" 30 xwininfo -name xfce4-panel || { cat "$SESSION_TMP/panel.log" >&2; return 1; }
  PANEL_SIZE=$((size + 8))
}

stop_panel() {
  kill "$PANEL" "$XFCONFD" 2>/dev/null || true
  wait "$PANEL" "$XFCONFD" 2>/dev/null || true
}

# panel_shows_item PID: the item of process PID is registered with the watcher the
# panel hosts items from.
panel_shows_item() {
  busctl --user get-property org.kde.StatusNotifierWatcher /StatusNotifierWatcher org.kde.StatusNotifierWatcher RegisteredStatusNotifierItems \
    | grep -q "StatusNotifierItem-$1-"
}

# crop_panel FILE: the left end of the panel (where the tray sits), enlarged 4x so a
# reader sees the pixels.
crop_panel() {
  import -window root -crop "160x${PANEL_SIZE}+0+0" +repage -filter point -resize 400% "$1"
}
