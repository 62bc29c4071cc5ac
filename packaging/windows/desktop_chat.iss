; Inno Setup 6 script: the Windows installer for Desktop Chat.
;
;   iscc packaging\windows\desktop_chat.iss          (packaging\windows\build.ps1 runs it)
;
; Packs the PyInstaller bundle from build\pyinstaller\dist\desktop-chat into
; dist\desktop-chat-VERSION-windows-x64-setup.exe: per-user install by default (no admin
; prompt; an administrator can choose all users), a Start-menu entry, an optional desktop
; icon, and an uninstaller listed in Settings > Apps.
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
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version may drop files the old one had; start from a clean bundle folder.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Chat with LLM APIs"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
