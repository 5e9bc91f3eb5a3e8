; Inno Setup 6 script: the Windows installer for Network Designer, from the PyInstaller folder.
;   iscc /DAppVersion=0.1.0 packaging\windows\nn-designer.iss      (-> dist\NetworkDesigner-0.1.0-windows-x64-setup.exe)
; CI passes the version from pyproject.toml (python packaging\metadata.py version).
; Per-user install by default (no administrator needed); the wizard offers all users. Start menu entry, optional
; desktop icon, .nnproj opens with the app, and an uninstaller (Settings > Apps) that removes all of it.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Network Designer"
#define AppExe "nn-designer.exe"
#define ProgId "NetworkDesigner.Project"

[Setup]
; AppId identifies the app for upgrades and uninstall: never change it.
AppId={{557A0CDD-AAE4-4FCA-8050-AF84A52EA25D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Network Designer developers
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesAssociations=yes
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
SetupIconFile=..\icons\nn-designer.ico
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir=..\..\dist
OutputBaseFilename=NetworkDesigner-{#AppVersion}-windows-x64-setup

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\nn-designer\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .nnproj -> NetworkDesigner.Project, opened by the app; HKA = per-user or all-users, as installed.
Root: HKA; Subkey: "Software\Classes\.nnproj"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.nnproj"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-nn-designer-project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.nnproj\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Network Designer project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: none; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".nnproj"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
