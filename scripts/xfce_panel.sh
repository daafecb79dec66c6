# Sourced inside a session from session.sh: a real tray host, Debian's xfce4-panel,
# with one panel along the top that holds only the systray plugin (which shows
# StatusNotifierItems), seeded through its xfconf channel.

# start_panel light|dark SIZE: a panel SIZE + 8 px high with tray icons of SIZE px.
start_panel() {
  local theme=$1 size=$2 channel="$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
  mkdir -p "$channel"
  local dark=false; [ "$theme" = dark ] && dark=true
  cat >"$channel/xfce4-panel.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="dark-mode" type="bool" value="$dark"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="$((size + 8))"/>
      <property name="plugin-ids" type="array"><value type="int" value="1"/></property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray">
      <property name="icon-size" type="int" value="$size"/>
      <property name="square-icons" type="bool" value="false"/>
    </property>
  </property>
</channel>
XML
  local gtk=Adwaita; [ "$theme" = dark ] && gtk=Adwaita:dark
  /usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd >"$SESSION_TMP/xfconfd.log" 2>&1 &
  XFCONFD=$!
  wait_for "xfconfd on the session bus" 20 busctl --user status org.xfce.Xfconf
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
