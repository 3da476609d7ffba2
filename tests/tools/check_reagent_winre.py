#!/usr/bin/env python3
"""check_reagent_winre.py REAGENT.xml OFFSET BCD-ID

Exit 0 when the ReAgent.xml (parsed with Python's own XML reader, not the engine's)
registers Windows RE in \\Recovery\\WindowsRE on the partition at byte OFFSET, with
WinreBCD id BCD-ID and InstallState 1 - what "reagentc /enable" leaves."""
import sys
import xml.etree.ElementTree as ET

r = ET.parse(sys.argv[1]).getroot()
loc = r.find('WinreLocation')
assert loc is not None, 'no WinreLocation'
assert loc.get('path').lower() == '\\recovery\\windowsre', loc.get('path')
assert loc.get('offset') == sys.argv[2], (loc.get('offset'), sys.argv[2])
assert r.find('WinreBCD').get('id').lower() == sys.argv[3].lower(), r.find('WinreBCD').get('id')
assert r.find('InstallState').get('state') == '1'
print('ok')
