<#
.SYNOPSIS
  Writes a Patchhive inventory (JSON, schema patchhive.inventory/1) of this Windows machine.

.DESCRIPTION
  Read-only. Collects OS facts from the registry, installed updates (KB ids), installed products
  (Uninstall keys, 64- and 32-bit views) and, when -ProbeFile is given, the files, registry values
  and text files a catalog asked about. Meant to run as an administrator or as SYSTEM.

  The probe file is data, never code: its paths are only expanded with
  [Environment]::ExpandEnvironmentVariables (no PowerShell expansion), validated (absolute drive
  paths only, no device or UNC paths, no '..', no alternate data streams, length limits) and read.
  Invalid probes are skipped with a warning on stderr; they then read as "not collected".

  Requires Windows PowerShell 5.1 (or PowerShell 7 on Windows). No modules beyond the built-in ones.
  Exit code: 0 written, 2 error (message on stderr).

.PARAMETER ProbeFile
  JSON: { "files": ["%SystemRoot%\\System32\\netapi32.dll"],
          "registry": [{ "hive": "HKEY_LOCAL_MACHINE", "key": "SOFTWARE\\...", "name": "CSDVersion", "view": "32_bit" }],
          "textFiles": [] }
  "name": null probes the key itself; "view" (optional) is OVAL's windows_view behavior.

.PARAMETER OutFile
  Write the JSON here (UTF-8 without BOM, replaced atomically) instead of stdout.

.PARAMETER MachineName
  Name to record instead of the computer name.

.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File Collect-PatchhiveInventory.ps1 -ProbeFile probes.json -OutFile inv.json
#>
[CmdletBinding()]
param(
  [string]$ProbeFile,
  [string]$OutFile,
  [string]$MachineName
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$MaxProbeFileBytes = 4MB
$MaxProbes = 10000
$MaxPathLength = 1024
$MaxTextBytes = 64KB
$MaxHashBytes = 1GB
$Invariant = [Globalization.CultureInfo]::InvariantCulture
$Is64BitOs = [Environment]::Is64BitOperatingSystem
$WowRedirected = $Is64BitOs -and -not [Environment]::Is64BitProcess
$ReservedNames = '^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$'
$KnownHives = @('HKEY_LOCAL_MACHINE', 'HKEY_USERS', 'HKEY_CLASSES_ROOT', 'HKEY_CURRENT_CONFIG', 'HKEY_CURRENT_USER')

function Write-Warn([string]$Message) { [Console]::Error.WriteLine("Collect-PatchhiveInventory: warning: $Message") }

function Get-Prop($Object, [string]$Name) {
  # StrictMode makes a missing property an error; a probe file may simply leave a list out.
  if ($null -eq $Object) { return $null }
  $p = $Object.PSObject.Properties[$Name]
  if ($null -eq $p) { return $null }
  return $p.Value
}

function Open-BaseKey([string]$Hive, [string]$View) {
  $h = switch ($Hive) {
    'HKEY_LOCAL_MACHINE' { [Microsoft.Win32.RegistryHive]::LocalMachine }
    'HKEY_USERS' { [Microsoft.Win32.RegistryHive]::Users }
    'HKEY_CLASSES_ROOT' { [Microsoft.Win32.RegistryHive]::ClassesRoot }
    'HKEY_CURRENT_CONFIG' { [Microsoft.Win32.RegistryHive]::CurrentConfig }
    'HKEY_CURRENT_USER' { [Microsoft.Win32.RegistryHive]::CurrentUser }
    default { $null }
  }
  if ($null -eq $h) { return $null }
  # The native view unless asked otherwise, also from a 32-bit PowerShell on 64-bit Windows
  # (which would otherwise be redirected to WOW6432Node).
  $v = if ($View -eq '32_bit') { [Microsoft.Win32.RegistryView]::Registry32 }
       elseif ($View -eq '64_bit' -or $Is64BitOs) { [Microsoft.Win32.RegistryView]::Registry64 }
       else { [Microsoft.Win32.RegistryView]::Registry32 }
  return [Microsoft.Win32.RegistryKey]::OpenBaseKey($h, $v)
}

function Format-RegValue($Kind, $Raw) {
  # OVAL registry_item types; numbers as unsigned decimal (GetValue returns DWORDs as signed Int32).
  switch ($Kind) {
    ([Microsoft.Win32.RegistryValueKind]::String) { return @('reg_sz', [string]$Raw) }
    ([Microsoft.Win32.RegistryValueKind]::ExpandString) { return @('reg_expand_sz', [string]$Raw) }
    ([Microsoft.Win32.RegistryValueKind]::DWord) { return @('reg_dword', [BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$Raw), 0).ToString($Invariant)) }
    ([Microsoft.Win32.RegistryValueKind]::QWord) { return @('reg_qword', [BitConverter]::ToUInt64([BitConverter]::GetBytes([int64]$Raw), 0).ToString($Invariant)) }
    ([Microsoft.Win32.RegistryValueKind]::MultiString) { return @('reg_multi_sz', ([string[]]$Raw) -join "`n") }
    ([Microsoft.Win32.RegistryValueKind]::Binary) { return @('reg_binary', (($Raw | ForEach-Object { $_.ToString('x2') }) -join '')) }
    default {
      if ($Raw -is [byte[]]) { return @('reg_none', (($Raw | ForEach-Object { $_.ToString('x2') }) -join '')) }
      return @('reg_none', [string]$Raw)
    }
  }
}

function Read-RegistryProbe([string]$Hive, [string]$Key, $Name, [string]$View) {
  $item = [ordered]@{ hive = $Hive; key = $Key; name = $Name }
  if ($View) { $item.view = $View }
  $item.exists = $false
  $base = Open-BaseKey $Hive $View
  if ($null -eq $base) { return $item }
  try {
    $k = $base.OpenSubKey($Key, $false)
    if ($null -eq $k) { return $item }
    try {
      if ($null -eq $Name) { $item.exists = $true; return $item }
      $found = $false
      foreach ($n in $k.GetValueNames()) { if ([string]::Equals($n, $Name, [StringComparison]::OrdinalIgnoreCase)) { $found = $true; break } }
      if (-not $found) { return $item }
      $raw = $k.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
      $typed = Format-RegValue ($k.GetValueKind($Name)) $raw
      $item.exists = $true
      $item.type = $typed[0]
      $item.value = $typed[1]
    } finally { $k.Close() }
  } finally { $base.Close() }
  return $item
}

function Get-RegRaw([string]$Key, [string]$Name) {
  $p = Read-RegistryProbe 'HKEY_LOCAL_MACHINE' $Key $Name $null
  if ($p.exists) { return $p.value }
  return $null
}

function Get-OsFacts {
  $cv = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'
  $w = [ordered]@{}
  foreach ($pair in @(@('productName', 'ProductName'), @('editionId', 'EditionID'), @('installationType', 'InstallationType'), @('currentVersion', 'CurrentVersion'), @('csdVersion', 'CSDVersion'))) {
    $v = Get-RegRaw $cv $pair[1]
    if ($v) { $w[$pair[0]] = $v }
  }
  $display = Get-RegRaw $cv 'DisplayVersion'
  if (-not $display) { $display = Get-RegRaw $cv 'ReleaseId' }  # 1507-2009 had only ReleaseId
  if ($display) { $w.displayVersion = $display }
  foreach ($pair in @(@('majorVersion', 'CurrentMajorVersionNumber'), @('minorVersion', 'CurrentMinorVersionNumber'))) {
    $v = Get-RegRaw $cv $pair[1]
    if ($null -ne $v) { $w[$pair[0]] = [int]$v }
  }
  $build = Get-RegRaw $cv 'CurrentBuildNumber'
  if (-not $build) { $build = Get-RegRaw $cv 'CurrentBuild' }
  $w.build = [int]$build
  $ubr = Get-RegRaw $cv 'UBR'
  if ($null -ne $ubr) { $w.ubr = [int]$ubr }
  # Windows 10+ freezes CurrentVersion at 6.3; the major/minor numbers are the real ones.
  $release = if ($w.Contains('majorVersion')) { '{0}.{1}' -f $w['majorVersion'], $(if ($w.Contains('minorVersion')) { $w['minorVersion'] } else { 0 }) } else { $w['currentVersion'] }
  $os = [ordered]@{ family = 'windows'; platform = 'windows' }
  if ($w.Contains('productName')) { $os.name = $w['productName'] }
  if ($release) {
    $os.release = $release
    $os.version = '{0}.{1}' -f $release, $w['build']
    if ($w.Contains('ubr')) { $os.version += '.' + $w['ubr'] }
  }
  $arch = Get-RegRaw 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment' 'PROCESSOR_ARCHITECTURE'
  if ($arch) { $os.arch = $arch.ToLowerInvariant() }
  $os.windows = $w
  return $os
}

function Get-InstalledKbs {
  $kbs = @{}
  try {
    foreach ($h in @(Get-HotFix -ErrorAction Stop)) {
      $m = [regex]::Match([string]$h.HotFixID, '^\s*(KB\d+)\s*$', [Text.RegularExpressions.RegexOptions]::IgnoreCase)
      if ($m.Success) { $kbs[$m.Groups[1].Value.ToUpperInvariant()] = $true }
    }
  } catch { Write-Warn "Get-HotFix failed: $($_.Exception.Message)" }
  # CBS knows updates Win32_QuickFixEngineering misses; only Installed (112) and Permanent (128) count.
  try {
    $base = Open-BaseKey 'HKEY_LOCAL_MACHINE' $null
    $pk = $base.OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages', $false)
    if ($null -ne $pk) {
      foreach ($name in $pk.GetSubKeyNames()) {
        $m = [regex]::Match($name, '_for_(KB\d+)', [Text.RegularExpressions.RegexOptions]::IgnoreCase)
        if (-not $m.Success) { continue }
        $kb = $m.Groups[1].Value.ToUpperInvariant()
        $sk = $pk.OpenSubKey($name, $false)
        if ($null -eq $sk) { continue }
        $state = $sk.GetValue('CurrentState', $null)
        $sk.Close()
        if ($state -eq 112 -or $state -eq 128) { $kbs[$kb] = $true }
      }
      $pk.Close()
    }
    $base.Close()
  } catch { Write-Warn "reading CBS packages failed: $($_.Exception.Message)" }
  return @($kbs.Keys | Sort-Object { [long]$_.Substring(2) })
}

function Get-InstalledProducts {
  $seen = @{}
  $out = New-Object System.Collections.Generic.List[object]
  $views = if ($Is64BitOs) { @('64_bit', '32_bit') } else { @('32_bit') }
  foreach ($view in $views) {
    $base = Open-BaseKey 'HKEY_LOCAL_MACHINE' $view
    try {
      $uk = $base.OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall', $false)
      if ($null -eq $uk) { continue }
      foreach ($sub in $uk.GetSubKeyNames()) {
        $k = $uk.OpenSubKey($sub, $false)
        if ($null -eq $k) { continue }
        $name = [string]$k.GetValue('DisplayName', $null)
        $version = [string]$k.GetValue('DisplayVersion', $null)
        $publisher = [string]$k.GetValue('Publisher', $null)
        $k.Close()
        if (-not $name.Trim()) { continue }
        $id = '{0}|{1}|{2}' -f $name, $version, $publisher
        if ($seen.ContainsKey($id)) { continue }
        $seen[$id] = $true
        $p = [ordered]@{ name = $name.Trim() }
        if ($version.Trim()) { $p.version = $version.Trim() }
        if ($publisher.Trim()) { $p.publisher = $publisher.Trim() }
        $out.Add($p)
      }
      $uk.Close()
    } finally { $base.Close() }
  }
  return @($out | Sort-Object { $_.name })
}

function Resolve-ProbePath($Requested) {
  # Returns the expanded path, or throws with the reason it is refused.
  if ($Requested -isnot [string]) { throw 'not a string' }
  if ($Requested.Length -gt $MaxPathLength) { throw "longer than $MaxPathLength characters" }
  $p = [Environment]::ExpandEnvironmentVariables($Requested)
  if ($p.Length -gt $MaxPathLength) { throw "longer than $MaxPathLength characters once expanded" }
  if ($p -match '%[^%\\]+%') { throw 'names an environment variable that is not set' }
  if ($p.StartsWith('\\')) { throw 'UNC and device paths (\\server, \\.\, \\?\) are refused' }
  if ($p -notmatch '^[A-Za-z]:\\') { throw 'not an absolute drive path (C:\...)' }
  if ($p.IndexOf(':', 2) -ge 0) { throw 'contains ":" (alternate data streams are refused)' }
  if ($p -match '[\x00-\x1f<>"|?*/]') { throw 'contains a character not allowed in a Windows path' }
  foreach ($seg in $p.Substring(3).Split('\')) {
    if ($seg -eq '' -or $seg -eq '.' -or $seg -eq '..') { throw 'contains an empty, "." or ".." segment' }
    if ($seg -match $ReservedNames) { throw "names the device $seg" }
    if ($seg.EndsWith('.') -or $seg.EndsWith(' ')) { throw 'a segment ends in "." or " "' }
  }
  return $p
}

function Get-NativePath([string]$Path) {
  # A 32-bit PowerShell on 64-bit Windows is shown SysWOW64 at System32; Sysnative is the real one.
  if (-not $WowRedirected) { return $Path }
  $sys32 = Join-Path $env:SystemRoot 'System32'
  if ($Path.StartsWith($sys32 + '\', [StringComparison]::OrdinalIgnoreCase)) {
    return (Join-Path $env:SystemRoot 'Sysnative') + $Path.Substring($sys32.Length)
  }
  return $Path
}

function Add-Requested($Item, [string]$Requested, [string]$Path) {
  if ($Requested -ne $Path) { $Item.requested = $Requested }
}

function Read-FileProbe([string]$Requested, [string]$Path) {
  $item = [ordered]@{ path = $Path }
  Add-Requested $item $Requested $Path
  $real = Get-NativePath $Path
  $item.exists = [IO.File]::Exists($real)
  if (-not $item.exists) { return $item }
  $fi = New-Object IO.FileInfo($real)
  $vi = [Diagnostics.FileVersionInfo]::GetVersionInfo($real)
  # FileVersionRaw is built from these four parts; the FileVersion string can say anything ("5.1.2600.2180 (xpsp_sp2_rtm.040803-2158)").
  if ($vi.FileMajorPart -or $vi.FileMinorPart -or $vi.FileBuildPart -or $vi.FilePrivatePart) {
    $item.version = '{0}.{1}.{2}.{3}' -f $vi.FileMajorPart, $vi.FileMinorPart, $vi.FileBuildPart, $vi.FilePrivatePart
  }
  if ($fi.Length -le $MaxHashBytes) {
    try { $item.sha256 = (Get-FileHash -LiteralPath $real -Algorithm SHA256).Hash.ToLowerInvariant() }
    catch { Write-Warn "cannot hash ${Path}: $($_.Exception.Message)" }
  }
  $item.size = [long]$fi.Length
  return $item
}

function Read-TextProbe([string]$Requested, [string]$Path) {
  $item = [ordered]@{ path = $Path }
  Add-Requested $item $Requested $Path
  $real = Get-NativePath $Path
  $item.exists = [IO.File]::Exists($real)
  if (-not $item.exists) { return $item }
  $fs = [IO.File]::Open($real, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
  try {
    $buf = New-Object byte[] $MaxTextBytes
    $n = $fs.Read($buf, 0, $buf.Length)
    $item.content = (New-Object Text.UTF8Encoding($false)).GetString($buf, 0, $n)
  } finally { $fs.Close() }
  return $item
}

function Read-Probes([string]$File) {
  $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($File)
  if ((New-Object IO.FileInfo($full)).Length -gt $MaxProbeFileBytes) { throw "probe file is larger than $MaxProbeFileBytes bytes" }
  $req = [IO.File]::ReadAllText($full, [Text.Encoding]::UTF8) | ConvertFrom-Json
  $result = @{ files = New-Object System.Collections.Generic.List[object]; registry = New-Object System.Collections.Generic.List[object]; textFiles = New-Object System.Collections.Generic.List[object] }
  foreach ($list in @('files', 'registry', 'textFiles')) {
    $entries = @(Get-Prop $req $list)
    if ($entries.Count -gt $MaxProbes) { throw "probe file lists more than $MaxProbes $list" }
    foreach ($e in $entries) {
      if ($null -eq $e) { continue }
      try {
        if ($list -eq 'registry') {
          $hive = Get-Prop $e 'hive'; $key = Get-Prop $e 'key'; $name = Get-Prop $e 'name'; $view = Get-Prop $e 'view'
          if ($hive -isnot [string] -or $KnownHives -notcontains $hive) { throw "unknown hive $hive" }
          if ($key -isnot [string] -or $key.Length -gt $MaxPathLength -or $key.StartsWith('\')) { throw 'key must be a relative key path' }
          if ($null -ne $name -and ($name -isnot [string] -or $name.Length -gt 16383)) { throw 'name must be a string or null' }
          if ($null -ne $view -and $view -ne '32_bit' -and $view -ne '64_bit') { throw 'view must be 32_bit or 64_bit' }
          $result.registry.Add((Read-RegistryProbe $hive $key $name $view))
        } else {
          $path = Resolve-ProbePath $e
          if ($list -eq 'files') { $result.files.Add((Read-FileProbe $e $path)) } else { $result.textFiles.Add((Read-TextProbe $e $path)) }
        }
      } catch { Write-Warn "skipped $list probe $(ConvertTo-Json -InputObject $e -Compress -Depth 3): $($_.Exception.Message)" }
    }
  }
  return $result
}

function Write-Utf8([string]$Text, [string]$File) {
  $utf8 = New-Object Text.UTF8Encoding($false)
  if (-not $File) {
    # Raw bytes: the console code page must not re-encode the JSON.
    $out = [Console]::OpenStandardOutput()
    $bytes = $utf8.GetBytes($Text)
    $out.Write($bytes, 0, $bytes.Length)
    $out.Flush()
    return
  }
  $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($File)
  $tmp = Join-Path ([IO.Path]::GetDirectoryName($full)) ('.' + [IO.Path]::GetFileName($full) + '.' + [Guid]::NewGuid().ToString('N') + '.tmp')
  try {
    [IO.File]::WriteAllText($tmp, $Text, $utf8)
    if ([IO.File]::Exists($full)) { [IO.File]::Replace($tmp, $full, $null) } else { [IO.File]::Move($tmp, $full) }
  } finally { if ([IO.File]::Exists($tmp)) { [IO.File]::Delete($tmp) } }
}

try {
  $inv = [ordered]@{ schema = 'patchhive.inventory/1' }
  $machine = [ordered]@{ name = $(if ($MachineName) { $MachineName } else { $env:COMPUTERNAME }) }
  $guid = Get-RegRaw 'SOFTWARE\Microsoft\Cryptography' 'MachineGuid'
  if ($guid) { $machine.id = $guid }
  $inv.machine = $machine
  $inv.collectedAt = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', $Invariant)
  $inv.collector = 'windows-powershell'
  $inv.os = Get-OsFacts
  $inv.kbs = @(Get-InstalledKbs)
  $inv.products = @(Get-InstalledProducts)
  if ($ProbeFile) {
    $probes = Read-Probes $ProbeFile
    $inv.files = $probes.files.ToArray()
    $inv.registry = $probes.registry.ToArray()
    $inv.textFiles = $probes.textFiles.ToArray()
  }
  Write-Utf8 ((ConvertTo-Json -InputObject $inv -Depth 10) + "`n") $OutFile
  exit 0
} catch {
  [Console]::Error.WriteLine("Collect-PatchhiveInventory: error: $($_.Exception.Message)")
  exit 2
}
