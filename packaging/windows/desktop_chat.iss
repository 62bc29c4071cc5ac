; Inno Setup 6 script: the Windows installer for Desktop Chat.
;
;   iscc packaging\windows\desktop_chat.iss          (packaging\windows\build.ps1 runs it)
;
; Packs the PyInstaller bundle from build\pyinstaller\dist\desktop-chat into
; dist\desktop-chat-VERSION-windows-x64-setup.exe: per-user install by default (no admin
; prompt; an administrator can choose all users), a Start-menu entry, an optional desktop
; icon, the install folder on PATH so `desktop-chat` works in a terminal, and an uninstaller
; listed in Settings > Apps that keeps the user's settings and history unless asked.
;
; Terminal commands: a windowed .exe has no stdout, so the console twin is installed as
; desktop-chat.com next to desktop-chat.exe. Windows tries .COM before .EXE (PATHEXT), so
; `desktop-chat ask ...` in cmd or PowerShell runs the console one; the Start menu runs the .exe.
;
; Signing: build.ps1 passes /DSign and a sign tool named "desktopchat" (/Sdesktopchat=...);
; Inno Setup then signs the installer and the uninstaller it embeds.
;
; Uninstall: removes the program folder and its PATH entry. Settings, history and logs
; (%LOCALAPPDATA%\desktop-chat, %APPDATA%\desktop-chat) stay, unless the user says yes when
; asked, or a silent uninstall is run with /PURGE. API keys stay in Credential Manager.
;
; The version is read from the bundle's desktop-chat.exe, whose version resource the spec fills
; in from the package metadata; pass /DAppVersion=X.Y.Z to override it.

#define AppName "Desktop Chat"
#define AppExeName "desktop-chat.exe"
#define BundleDir AddBackslash(SourcePath) + "..\..\build\pyinstaller\dist\desktop-chat"
#define AppExe BundleDir + "\" + AppExeName

#if !FileExists(AppExe)
  #error The bundle is missing: build it first (packaging\windows\build.ps1)
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AppExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error No version: desktop-chat.exe has no ProductVersion; pass /DAppVersion=X.Y.Z
#endif
#define NumericVersion GetVersionNumbersString(AppExe)

[Setup]
; AppId identifies the app to the uninstaller and to upgrades: never change it.
AppId={{98552DEA-8591-4352-86F7-EDF1F3153818}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Desktop Chat maintainers
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
VersionInfoDescription={#AppName} installer
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=desktop-chat-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\desktop-chat.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
ChangesEnvironment=yes
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef Sign
SignTool=desktopchat
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add desktop-chat to PATH for terminals (desktop-chat ask, settings commands)"

[InstallDelete]
; A new version may drop files the old one had; start from a clean bundle folder.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "{#BundleDir}\desktop-chat-cli.exe"; DestDir: "{app}"; DestName: "desktop-chat.com"; Flags: ignoreversion

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{code:PathWithApp}"; Tasks: addtopath; Check: not IsAdminInstallMode
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{code:PathWithApp}"; Tasks: addtopath; Check: IsAdminInstallMode

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Chat with LLM APIs"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function EnvironmentRoot: Integer;
begin
  if IsAdminInstallMode then
    Result := HKEY_LOCAL_MACHINE
  else
    Result := HKEY_CURRENT_USER;
end;

function EnvironmentKey: String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function CurrentPath: String;
begin
  if not RegQueryStringValue(EnvironmentRoot, EnvironmentKey, 'Path', Result) then
    Result := '';
end;

{ Where the install folder starts in Path (1-based), or 0 when it is not there. }
function AppInPath(Path: String): Integer;
begin
  Result := Pos(';' + Uppercase(ExpandConstant('{app}')) + ';', ';' + Uppercase(Path) + ';');
end;

{ Path with the install folder appended once: an upgrade or repair does not add it again. }
function PathWithApp(Param: String): String;
begin
  Result := CurrentPath;
  if AppInPath(Result) = 0 then
  begin
    if (Result <> '') and (Copy(Result, Length(Result), 1) <> ';') then
      Result := Result + ';';
    Result := Result + ExpandConstant('{app}');
  end;
end;

procedure RemoveAppFromPath;
var
  Path: String;
  At, Len: Integer;
begin
  Path := CurrentPath;
  At := AppInPath(Path);
  if At = 0 then
    Exit;
  Len := Length(ExpandConstant('{app}'));
  if At + Len <= Length(Path) then
    Delete(Path, At, Len + 1)        { the folder and the ';' after it }
  else if At > 1 then
    Delete(Path, At - 1, Len + 1)    { the last entry: the ';' before it and the folder }
  else
    Path := '';
  RegWriteExpandStringValue(EnvironmentRoot, EnvironmentKey, 'Path', Path);
end;

function PurgeRequested: Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/PURGE') = 0 then
      Result := True;
  if not Result and not UninstallSilent then
    Result := MsgBox('Also delete your Desktop Chat settings, conversation history and logs?' + #13#10 +
      'Choose No to keep them for a later install. API keys stay in Windows Credential Manager either way.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    RemoveAppFromPath;
  if (CurUninstallStep = usPostUninstall) and PurgeRequested then
  begin
    DelTree(ExpandConstant('{localappdata}\desktop-chat'), True, True, True);
    DelTree(ExpandConstant('{userappdata}\desktop-chat'), True, True, True);
  end;
end;
