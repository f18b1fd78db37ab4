/* rill: streaming XML and CSV for C. Includes every public module header. */
#ifndef RILL_H
#define RILL_H

#include <rill/alloc.h>
#include <rill/csv_dialect.h>
#include <rill/csv_dict.h>
#include <rill/csv_parallel.h>
#include <rill/csv_reader.h>
#include <rill/csv_sniff.h>
#include <rill/csv_writer.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>
#include <rill/version.h>
#include <rill/xml_c14n.h>
#include <rill/xml_events.h>
#include <rill/xml_path.h>
#include <rill/xml_pull.h>
#include <rill/xml_serialize.h>
#include <rill/xml_tree.h>
#include <rill/xml_writer.h>

#endif
