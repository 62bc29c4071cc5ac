# Build the Windows bundle with PyInstaller, self-test it, and make the Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs Python 3.11+ on PATH (or $env:PYTHON), and Inno Setup 6 (installed with Chocolatey
# when iscc is missing). Installs the build tools from packaging\requirements-build.txt (every
# version pinned, every file hashed). Output: dist\desktop-chat-VERSION-windows-x64-setup.exe.
#
# Signing (optional; without it SmartScreen warns on first run). Code-signing keys live on a
# hardware token or in a cloud signer now, so signtool signs through one of them, never a .pfx:
#   WINDOWS_SIGN_CERT_SHA1      thumbprint of the certificate in the current user's store (a
#                               token's or a cloud KSP's certificate, e.g. DigiCert KeyLocker,
#                               SSL.com eSigner, Google Cloud KMS CNG)
#   WINDOWS_SIGN_DLIB, WINDOWS_SIGN_DLIB_METADATA
#                               or a signtool dlib and its metadata JSON (Azure Trusted Signing:
#                               Azure.CodeSigning.Dlib.dll and {Endpoint, CodeSigningAccountName,
#                               CertificateProfileName}); the runner must be logged in to it
#   WINDOWS_SIGN_TIMESTAMP_URL  RFC 3161 timestamp server (default DigiCert's; Trusted Signing
#                               wants http://timestamp.acs.microsoft.com)
# Both .exe files are signed before packing; Inno Setup signs the installer and its uninstaller
# through the same command (SignTool, SignedUninstaller), and the result is verified.
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
$pip = @("-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps")
Invoke-Checked $python ($pip + @("--require-hashes", "-r", "packaging\requirements-build.txt"))
Invoke-Checked $python ($pip + @("--no-build-isolation", "-e", "."))
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

if ($env:WINDOWS_SIGN_PFX) {
  throw "WINDOWS_SIGN_PFX is no longer used: set WINDOWS_SIGN_CERT_SHA1 or WINDOWS_SIGN_DLIB (see build.ps1)"
}
# The signtool arguments before the file names, or none when signing is not set up.
function Get-SignCommand {
  $timestamp = if ($env:WINDOWS_SIGN_TIMESTAMP_URL) { $env:WINDOWS_SIGN_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
  $common = @("sign", "/fd", "sha256", "/tr", $timestamp, "/td", "sha256")
  if ($env:WINDOWS_SIGN_CERT_SHA1) { return $common + @("/sha1", $env:WINDOWS_SIGN_CERT_SHA1) }
  if ($env:WINDOWS_SIGN_DLIB) {
    if (-not $env:WINDOWS_SIGN_DLIB_METADATA) { throw "WINDOWS_SIGN_DLIB needs WINDOWS_SIGN_DLIB_METADATA" }
    return $common + @("/dlib", $env:WINDOWS_SIGN_DLIB, "/dmdf", $env:WINDOWS_SIGN_DLIB_METADATA)
  }
  return @()
}
$signArgs = @(Get-SignCommand)
$signtool = $null
if ($signArgs.Count) {
  $signtool = (Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object FullName -Descending | Select-Object -First 1).FullName
  Invoke-Checked $signtool ($signArgs + @((Join-Path $bundle "desktop-chat.exe"), $cli))
}

$found = Get-Command iscc -ErrorAction SilentlyContinue
$iscc = if ($found) { $found.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { Invoke-Checked "choco" @("install", "innosetup", "-y", "--no-progress") }
$isccArgs = @("/Q")
if ($signtool) {
  # Inno Setup runs this for the installer and the uninstaller; $q is a quote, $f the file.
  $quoted = @($signtool) + $signArgs | ForEach-Object { if ($_ -match "\s") { '$q' + $_ + '$q' } else { $_ } }
  $isccArgs += @("/DSign", "/Sdesktopchat=" + ($quoted -join " ") + ' $f')
}
Invoke-Checked $iscc ($isccArgs + @("packaging\windows\desktop_chat.iss"))
$setup = "dist\desktop-chat-$version-windows-x64-setup.exe"
if ($signtool) { Invoke-Checked $signtool @("verify", "/pa", "/all", $setup) }
Write-Host ("installer: {0:N1} MiB ({1})" -f ((Get-Item $setup).Length / 1MB), $setup)
