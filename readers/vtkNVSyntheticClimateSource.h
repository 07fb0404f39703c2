/**
 * @class vtkNVSyntheticClimateSource
 * @brief CAM5-like global climate fields with labelled tropical cyclones,
 * atmospheric rivers and fronts: the DeepCAM/ClimateNet problem with known answers.
 *
 * The output is a lat-lon vtkImageData: x is longitude (0 to 360 - dlon
 * degrees, periodic), y is latitude (-90 to 90 degrees inclusive), spacing
 * and origin in degrees. The default 1152 x 768 points is CAM5's 25 km grid;
 * any size down to a few points works (96 x 144 lat x lon for tests).
 *
 * Point arrays, in physical units (the 16 DeepCAM variables, in DeepCAM's
 * channel order): TMQ (kg/m2), U850, V850, UBOT, VBOT (m/s), QREFHT (kg/kg),
 * PS, PSL (Pa), T200, T500 (K), PRECT (m/s), TS, TREFHT (K), Z1000, Z200,
 * ZBOT (m); and LANDFRAC (0..1), IVT (TMQ times the 850 hPa wind speed,
 * kg/m/s), `LABELS` (int: 0 background, 1 tropical cyclone, 2 atmospheric
 * river, exactly as generated; a cyclone wins where both apply) and `FRONTS`
 * (int: 1 on a front).
 *
 * The physics:
 * - climatology by latitude: moisture (50 kg/m2 at the equator), surface and
 *   upper-air temperature, subtropical highs and subpolar lows, trade winds
 *   and mid-latitude westerlies, the ITCZ and storm-track rain;
 * - large-scale variability from seeded smooth spectral modes (planetary to
 *   synoptic scales): pressure with its geostrophic wind, temperature (warm
 *   under ridges), moisture following Clausius-Clapeyron, rain;
 * - tropical cyclones at 7-30 degrees latitude: Holland (1980) gradient-wind
 *   vortices with 18-68 m/s at 20-60 km from the centre, the matching
 *   sea-level-pressure drop, counter-clockwise in the north and clockwise in
 *   the south, surface inflow, a warm core aloft, a moist rainy core;
 * - atmospheric rivers: 3000-7000 km filaments, 400-760 km wide, reaching
 *   poleward and eastward from 16-26 degrees, with a low-level jet along them;
 * - cold fronts trailing from mid-latitude lows: a 6-14 K temperature step, a
 *   wind shift from ahead of the front to behind it, a pressure trough, rain.
 * Label sizes are physical (cyclones 150-300 km in radius) but never smaller
 * than about one grid cell, so coarse grids keep every feature visible.
 *
 * Field data: TCCenter (lon, lat), TCHemisphere, TCMaxWind (m/s),
 * TCRadiusOfMaxWind (km), TCPressureDrop (Pa), TCWarmCore (K),
 * TCLabelRadius (km, on this grid); ARAxis (lon, lat, river index),
 * ARLength (km), ARHalfWidth (km, on this grid), ARJet (m/s); FrontAxis
 * (lon, lat, front index), FrontTemperatureJump (K), FrontLength (km);
 * TCCount, ARCount, FrontCount.
 *
 * Every time step is an independent weather state drawn from (Seed, step);
 * the state does not depend on the grid, so the same storms appear at every
 * resolution. Values depend only on global point indices: any piece
 * decomposition (MPI ranks, sub-extents) gives the same numbers.
 */
#ifndef vtkNVSyntheticClimateSource_h
#define vtkNVSyntheticClimateSource_h

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVSyntheticClimateSource : public vtkImageAlgorithm {
 public:
  static vtkNVSyntheticClimateSource* New();
  vtkTypeMacro(vtkNVSyntheticClimateSource, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Points along longitude (x) and latitude (y). Default 1152 768.
  vtkSetVector2Macro(Dimensions, int);
  vtkGetVector2Macro(Dimensions, int);

  /// Seed of the whole series. Default 0.
  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);

  /// Number of time steps (independent weather states) at times 0, 1, 2, ... Default 1.
  vtkSetClampMacro(NumberOfTimeSteps, int, 1, 1000000);
  vtkGetMacro(NumberOfTimeSteps, int);

  /// Inclusive ranges of the number of features per time step.
  /// Defaults: cyclones 1-6, atmospheric rivers 2-5, fronts 2-6.
  vtkSetVector2Macro(CycloneCountRange, int);
  vtkGetVector2Macro(CycloneCountRange, int);
  vtkSetVector2Macro(RiverCountRange, int);
  vtkGetVector2Macro(RiverCountRange, int);
  vtkSetVector2Macro(FrontCountRange, int);
  vtkGetVector2Macro(FrontCountRange, int);

 protected:
  vtkNVSyntheticClimateSource();
  ~vtkNVSyntheticClimateSource() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVSyntheticClimateSource(const vtkNVSyntheticClimateSource&) = delete;
  void operator=(const vtkNVSyntheticClimateSource&) = delete;
  bool CheckParameters();

  int Dimensions[2] = {1152, 768};
  int Seed = 0;
  int NumberOfTimeSteps = 1;
  int CycloneCountRange[2] = {1, 6};
  int RiverCountRange[2] = {2, 5};
  int FrontCountRange[2] = {2, 6};
};

#endif
