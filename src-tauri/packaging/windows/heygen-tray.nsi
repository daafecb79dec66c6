; HeyGen Tray for Windows: a per-user installer (no administrator rights needed).
; Built by scripts/cross.sh with Debian's makensis:
;   makensis -DVERSION=0.1.0 -DBINDIR=<folder of the .exe files> -DICON=icons/icon.ico \
;            -DOUTFILE=heygen-tray-0.1.0-setup.exe src-tauri/packaging/windows/heygen-tray.nsi
; Silent: `heygen-tray-0.1.0-setup.exe /S`; uninstall: `uninstall.exe /S`. The user's
; settings, history (%APPDATA%\heygen-tray) and keys (Credential Manager) are kept.
Unicode true
!include "MUI2.nsh"

!define APPNAME "HeyGen Tray"
; The AppUserModelID toasts are shown under (Tauri's identifier; the app uses it too).
!define APPID "com.heygen-tray.app"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\HeyGenTray"
!define APPKEY "Software\HeyGen Tray"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\HeyGen Tray"
InstallDirRegKey HKCU "${APPKEY}" "InstallDir"
RequestExecutionLevel user
SetCompressor /SOLID lzma
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "The HeyGen Tray developers (MIT)"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\heygen-tray-app.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME}"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; A running copy holds its files: ask it to end (a close message, which the app answers
; by saving and quitting), wait up to 10 s for it and its files, then end it by force;
; when even that fails, say so and stop with exit code 2. $R9 is 1 when one was running.
!macro END_RUNNING_APP UN
Function ${UN}EndRunningApp
  StrCpy $R9 0
  StrCpy $R8 0
  ask:
    nsExec::Exec 'taskkill /IM heygen-tray-app.exe'
    Pop $0
    StrCmp $0 128 free ; 128: no such process (left)
    StrCpy $R9 1
    IntOp $R8 $R8 + 1
    IntCmp $R8 20 force
    Sleep 500
    Goto ask
  free:
    ; Its windows go before its files are let go.
    IfFileExists "$INSTDIR\heygen-tray-app.exe" 0 done
    Delete "$INSTDIR\heygen-tray-app.exe"
    IfFileExists "$INSTDIR\heygen-tray-app.exe" 0 done
    IntOp $R8 $R8 + 1
    IntCmp $R8 20 force
    Sleep 500
    Goto free
  force:
    DetailPrint "HeyGen Tray did not end within 10 s of being asked to; ending it"
    nsExec::Exec 'taskkill /F /IM heygen-tray-app.exe'
    Pop $0
    Sleep 1000
    Delete "$INSTDIR\heygen-tray-app.exe"
    IfFileExists "$INSTDIR\heygen-tray-app.exe" 0 done
    MessageBox MB_ICONSTOP|MB_OK "HeyGen Tray is running and could not be ended. Quit it from its tray menu (Quit), then run this again." /SD IDOK
    SetErrorLevel 2
    Quit
  done:
FunctionEnd
!macroend
!insertmacro END_RUNNING_APP ""
!insertmacro END_RUNNING_APP "un."

; A command still running from the folder (`heygen-tray watch`, a script's `guard`) holds
; heygen-tray.exe. It is not ended (it may be a monitor the user runs as a task or a
; service): say so and stop with exit code 2 before anything is changed.
!macro CLI_NOT_IN_USE UN
Function ${UN}CliNotInUse
  IfFileExists "$INSTDIR\heygen-tray.exe" 0 free
  ClearErrors
  FileOpen $0 "$INSTDIR\heygen-tray.exe" a
  IfErrors held
  FileClose $0
  Goto free
  held:
    MessageBox MB_ICONSTOP|MB_OK "$INSTDIR\heygen-tray.exe is in use: a command started from it (heygen-tray watch, or a script's status or guard) is still running. End it, then run this again." /SD IDOK
    SetErrorLevel 2
    Quit
  free:
FunctionEnd
!macroend
!insertmacro CLI_NOT_IN_USE ""
!insertmacro CLI_NOT_IN_USE "un."

Section "Install"
  SetOutPath "$INSTDIR"
  Call CliNotInUse
  Call EndRunningApp
  File "${BINDIR}\heygen-tray.exe"
  File "${BINDIR}\heygen-tray-app.exe"
  ; Every DLL the programs import that Windows does not have (scripts/cross-installer.sh
  ; reads their import tables and fails the build when one is missing here).
  File "${BINDIR}\WebView2Loader.dll"
  File "/oname=heygen-tray.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\heygen-tray-app.exe" "" "$INSTDIR\heygen-tray.ico"
  ; Toasts of an unpackaged app show under an ID registered here, with its name and icon.
  WriteRegStr HKCU "Software\Classes\AppUserModelId\${APPID}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "Software\Classes\AppUserModelId\${APPID}" "IconUri" "$INSTDIR\heygen-tray.ico"
  WriteRegStr HKCU "${APPKEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "The HeyGen Tray developers"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\heygen-tray.ico"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  ; An upgrade starts again the copy it ended.
  StrCmp $R9 1 0 +2
    Exec '"$INSTDIR\heygen-tray-app.exe"'
SectionEnd

Section "Uninstall"
  Call un.CliNotInUse
  Call un.EndRunningApp
  Delete "$INSTDIR\heygen-tray.exe"
  Delete "$INSTDIR\heygen-tray-app.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\heygen-tray.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  DeleteRegValue HKCU "${RUNKEY}" "${APPNAME}"
  DeleteRegKey HKCU "Software\Classes\AppUserModelId\${APPID}"
  DeleteRegKey HKCU "${APPKEY}"
  DeleteRegKey HKCU "${UNINSTKEY}"
  ; Their parents, when the install made them and nothing else uses them.
  DeleteRegKey /ifempty HKCU "Software\Classes\AppUserModelId"
  DeleteRegKey /ifempty HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall"
SectionEnd
