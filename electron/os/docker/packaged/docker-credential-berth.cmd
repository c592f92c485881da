@echo off
rem docker-credential-berth as shipped in the Berth desktop package (resources\bin\). Docker finds it
rem by name on PATH (PATHEXT includes .CMD) and it hands the call to the app binary's credential-helper
rem mode: no Node needed.
"%~dp0..\..\Berth.exe" --credential-helper %*
