# Build the Windows bundle with PyInstaller, self-test it, and make the Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs Python 3.11+ on PATH (or $env:PYTHON), and Inno Setup 6 (installed with Chocolatey
# when iscc is missing). Output: dist\desktop-chat-VERSION-windows-x64-setup.exe.
#
# Signing (optional; without it SmartScreen warns on first run): set WINDOWS_SIGN_PFX (path to
# a code-signing .pfx) and WINDOWS_SIGN_PASSWORD; the .exe files are signed before packing and
# the installer after, with an RFC 3161 timestamp (WINDOWS_SIGN_TIMESTAMP_URL, default DigiCert).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked([string]$exe, [string[]]$arguments) {
  & $exe @arguments
  if ($LASTEXITCODE -ne 0) { throw "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

$python = if ($env:PYTHON) { $env:PYTHON } else { ".venv\Scripts\python.exe" }
if (-not (Test-Path $python)) {
  Invoke-Checked "python" @("-m", "venv", ".venv")
  $python = ".venv\Scripts\python.exe"
}
Invoke-Checked $python @("-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", ".[packaging]")
$version = (& $python packaging\app_info.py version).Trim()
if ($LASTEXITCODE -ne 0) { throw "cannot read the version" }

if (Test-Path build\pyinstaller) { Remove-Item -Recurse -Force build\pyinstaller }
Invoke-Checked $python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
  "--distpath", "build\pyinstaller\dist", "--workpath", "build\pyinstaller\work",
  "packaging\desktop_chat.spec")

$bundle = "build\pyinstaller\dist\desktop-chat"
$cli = Join-Path $bundle "desktop-chat-cli.exe"
$reported = (& $cli --version).Trim()
if ($reported -ne "desktop-chat $version") { throw "the bundle reports '$reported'" }
$profileDir = Join-Path ([IO.Path]::GetTempPath()) ("dc-selftest-" + [Guid]::NewGuid())
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $cli @("--self-test", "--profile-dir", $profileDir)
Remove-Item Env:QT_QPA_PLATFORM
$size = (Get-ChildItem -Recurse -File $bundle | Measure-Object -Sum Length).Sum / 1MB
Write-Host ("bundle: {0:N1} MiB unpacked" -f $size)

function Invoke-Sign([string[]]$files) {
  if (-not $env:WINDOWS_SIGN_PFX) { return }
  $timestamp = if ($env:WINDOWS_SIGN_TIMESTAMP_URL) { $env:WINDOWS_SIGN_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
  $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object FullName -Descending | Select-Object -First 1
  Invoke-Checked $signtool.FullName (@("sign", "/f", $env:WINDOWS_SIGN_PFX, "/p", $env:WINDOWS_SIGN_PASSWORD,
    "/fd", "sha256", "/tr", $timestamp, "/td", "sha256") + $files)
}
Invoke-Sign @((Join-Path $bundle "desktop-chat.exe"), $cli)

$found = Get-Command iscc -ErrorAction SilentlyContinue
$iscc = if ($found) { $found.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { Invoke-Checked "choco" @("install", "innosetup", "-y", "--no-progress") }
Invoke-Checked $iscc @("/Q", "packaging\windows\desktop_chat.iss")
$setup = "dist\desktop-chat-$version-windows-x64-setup.exe"
Invoke-Sign @($setup)
Write-Host ("installer: {0:N1} MiB ({1})" -f ((Get-Item $setup).Length / 1MB), $setup)
