#!/usr/bin/env python3
# Extracts ons-first-names.tsv from the Office for National Statistics
# tables "Baby names in England and Wales" (boys and girls, 2022, 2023 and
# 2024; Table 6, every name given to 3 or more babies that year). Crown
# copyright, reused under the Open Government Licence v3.0.
#
# Usage: python3 extract-ons.py DIR > ons-first-names.tsv
# where DIR holds boysnames2022.xlsx ... girlsnames2024.xlsx as published by
# the ONS (the same files are mirrored in github.com/rossbowen/babynames,
# data-raw/). Stdlib only: an .xlsx file is a zip of XML.
import sys, zipfile
import xml.etree.ElementTree as ET

NS = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
MIN_TOTAL = 30  # registrations over the three years


def table6(path):
    z = zipfile.ZipFile(path)
    shared = [''.join(t.text or '' for t in si.iter(NS + 't'))
              for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(NS + 'si')]
    wb = ET.fromstring(z.read('xl/workbook.xml'))
    names = [s.get('name') for s in wb.find(NS + 'sheets')]
    sheet = ET.fromstring(z.read('xl/worksheets/sheet%d.xml' % (names.index('Table_6') + 1)))
    for row in sheet.iter(NS + 'row'):
        cells = []
        for c in row.findall(NS + 'c'):
            v = c.find(NS + 'v')
            if v is None:
                cells.append('')
            else:
                cells.append(shared[int(v.text)] if c.get('t') == 's' else v.text)
        if len(cells) >= 3 and cells[0].isdigit():
            yield cells[1], int(cells[2])


def main(d):
    total = {}
    for sex, stem in (('F', 'girlsnames'), ('M', 'boysnames')):
        for year in (2022, 2023, 2024):
            for name, n in table6('%s/%s%d.xlsx' % (d, stem, year)):
                total[(name, sex)] = total.get((name, sex), 0) + n
    print('# name\tsex\tbabies 2022-2024 (England and Wales)')
    print('# Source: Office for National Statistics, Baby names in England and Wales, 2022-2024, Table 6.')
    print('# Contains public sector information licensed under the Open Government Licence v3.0.')
    print('# Only names given to %d or more babies over the three years.' % MIN_TOTAL)
    for (name, sex), n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= MIN_TOTAL:
            print('%s\t%s\t%d' % (name, sex, n))


if __name__ == '__main__':
    main(sys.argv[1])
